"""`make pdf` prints the whole book to one PDF: every chapter (each from a new page), its formulas as
text, its figures, and the glossary's Korean. It prints the book that tests/conftest.py built (the
single-page HTML reads that build's execution cache: no notebook is executed a second time)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from attnbook import _export, _pdf

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = [page for page in _export.toc_entries(ROOT) if page.startswith("notebooks/")]
MISSING = [tool for tool in ("pdftotext", "pdfinfo", "pdfimages", "make") if shutil.which(tool) is None]
if _pdf.find_chromium() is None:
    MISSING.append("chromium")

pytestmark = pytest.mark.skipif(
    bool(MISSING), reason=f"`make pdf` needs {', '.join(MISSING)}: run `make system-deps` "
    "(Debian's chromium, poppler-utils, fonts-noto-cjk)")


def chapter_title(page: str) -> str:
    """The chapter's title: the first `# ` heading of its notebook."""
    nb = nbformat.read(ROOT / f"{page}.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    raise AssertionError(f"{page} has no title")


def flat(text: str) -> str:
    """Text without white space: how a formula reads once pdftotext has split it into pieces."""
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def book_pdf(book_build) -> dict:
    """Run `make pdf` in the built copy, with this environment's Python and tools; return the PDF's
    path, its pages' text (pdftotext) and the single-page HTML."""
    stamp, widgets = Path(sys.prefix) / ".installed-stamp", "node_modules/.attnbook-widgets-stamp"
    # -o: the environment and the widget JavaScript are the ones this run already uses; not remade.
    command = ["make", "-C", str(book_build), "pdf", f"VENV={sys.prefix}", "-o", str(stamp), "-o", widgets]
    start = time.monotonic()
    result = subprocess.run(command, capture_output=True, text=True)
    seconds = time.monotonic() - start
    log = result.stdout + result.stderr
    assert result.returncode == 0, f"make pdf failed (exit {result.returncode}):\n{log[-6000:]}"
    pdf = book_build / "_build" / "pdf" / "attnbook.pdf"
    pages = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout.split("\f")
    print(f"make pdf: {seconds:.0f} s, {pdf.stat().st_size / 1e6:.1f} MB, {len(pages) - 1} pages")
    return {"pdf": pdf, "pages": pages[:-1] if pages[-1] == "" else pages, "log": log,
            "html": (book_build / "_build" / "singlehtml" / "index.html").read_text(encoding="utf-8")}


def test_pdf_opens_as_a4(book_pdf):
    info = subprocess.run(["pdfinfo", str(book_pdf["pdf"])], capture_output=True, text=True, check=True).stdout
    fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
    assert int(fields["Pages"]) == len(book_pdf["pages"]) > 20, info
    assert fields["Page size"].split()[:3] == ["595.92", "x", "842.88"] or "A4" in fields["Page size"], info
    assert "wrote" in book_pdf["log"] and "formulas" in book_pdf["log"], book_pdf["log"][-2000:]


def test_every_chapter_starts_a_page_in_order(book_pdf):
    """Each chapter's title heads a page of its own, in the order of _toc.yml; report pages per chapter."""
    pages = book_pdf["pages"]
    heads = [next((line.strip() for line in page.splitlines() if line.strip()), "") for page in pages]
    starts = []
    for page in CHAPTERS:
        title = chapter_title(page)
        found = [number for number, head in enumerate(heads) if flat(head) == flat(title)]
        assert found, f"no page starts with the title of {page}: {title!r}"
        starts.append(found[0])
    assert starts == sorted(starts), f"chapters out of order: {dict(zip(CHAPTERS, starts))}"
    ends = starts[1:] + [next(n for n, head in enumerate(heads) if n > starts[-1] and
                              head and head != heads[starts[-1]])]
    counts = {page: end - start for page, start, end in zip(CHAPTERS, starts, ends)}
    print("pages per chapter:", counts)
    assert all(count >= 2 for count in counts.values()), counts


def test_formulas_are_typeset_text(book_pdf):
    """Chapter 3's attention formula (equation 1 of Vaswani et al.) is in the PDF as text, and no
    formula is left as TeX source."""
    text = "\f".join(book_pdf["pages"])
    assert "softmax(QK⊤√dk)V" in flat(text), "chapter 3's softmax(QK^T / sqrt(d_k)) V is not in the PDF"
    assert "ht=tanh(" in flat(text) or "ht=σ(" in flat(text) or "tanh(" in text
    for tex in ("\\frac", "\\sqrt", "\\mathrm", "$$", "\\(", "\\["):
        assert tex not in text, f"untypeset TeX in the PDF: {tex}"


def test_glossary_prints_korean(book_pdf):
    fonts = subprocess.run(["fc-list", ":lang=ko", "family"], capture_output=True, text=True).stdout
    assert fonts.strip(), "no font with Korean glyphs: install fonts-noto-cjk (make system-deps)"
    text = "\f".join(book_pdf["pages"])
    for english, korean in [("query", "쿼리"), ("hidden state", "은닉 상태"),
                            ("context vector", "문맥 벡터")]:
        assert english in text and korean in text, f"glossary: {english} / {korean} missing from the PDF"


def test_every_figure_and_diagram_is_printed(book_pdf):
    """Every diagram of book/diagrams that a chapter shows is on the single page (the printer fails on
    a broken image), and the PDF holds at least as many raster images as the page has PNG figures."""
    html = book_pdf["html"]
    sources = re.findall(r'<img[^>]*\ssrc="([^"]+)"', html)
    for page in CHAPTERS:
        text = (ROOT / f"{page}.ipynb").read_text(encoding="utf-8")
        for diagram in sorted(set(re.findall(r"book/diagrams/([\w.-]+\.svg)", text))):
            assert any(src.endswith(diagram) for src in sources), f"{page}: {diagram} is not in the PDF"
    png = [src for src in sources if src.endswith(".png") or src.startswith("data:image/png")]
    listed = subprocess.run(["pdfimages", "-list", str(book_pdf["pdf"])], capture_output=True, text=True,
                            check=True).stdout.splitlines()[2:]
    assert png, "the single page has no PNG figure"
    assert len(listed) >= len(set(png)), f"{len(listed)} images in the PDF, {len(set(png))} on the page"
