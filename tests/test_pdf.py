"""`make pdf` prints the whole book to one PDF: every chapter from a new page, its formulas as
text, its figures and diagrams, and the glossary's Korean. It prints the book that tests/conftest.py
built: the single page reads that build's execution cache, so no notebook is executed a second time."""

from __future__ import annotations

import os
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
PAGES = _export.toc_entries(ROOT)[1:]  # every document after the root page, in reading order
CHAPTERS = [page for page in PAGES if page.startswith("notebooks/")]
MISSING = [tool for tool in ("pdftotext", "pdfinfo", "pdfimages", "make") if shutil.which(tool) is None]
if _pdf.find_chromium() is None:
    MISSING.append("chromium")

pytestmark = pytest.mark.skipif(
    bool(MISSING), reason=f"`make pdf` needs {', '.join(MISSING)}: on Debian, `sudo make system-deps` "
    "installs chromium, poppler-utils and fonts-noto-cjk")


def title(page: str) -> str:
    """A document's title: the first `# ` heading of its notebook or Markdown file."""
    path = ROOT / f"{page}.ipynb"
    if path.exists():
        cells = nbformat.read(path, as_version=4).cells
        text = "\n".join(cell.source for cell in cells if cell.cell_type == "markdown")
    else:
        text = (ROOT / f"{page}.md").read_text(encoding="utf-8")
    heading = re.search(r"^# (.+)$", text, re.M)
    assert heading, f"{page} has no title"
    return heading.group(1).strip()


def flat(text: str) -> str:
    """Text without white space, with straight quotes: how a heading or a formula compares once
    pdftotext has cut it in lines (and Sphinx has curled the quotes of a title)."""
    return re.sub(r"\s+", "", text).translate(str.maketrans("‘’“”", "''\"\""))


def pdftotext(pdf: Path, *options: str) -> list[str]:
    text = subprocess.run(["pdftotext", *options, str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    return text.split("\f")[:-1]  # each page ends with a form feed


@pytest.fixture(scope="module")
def book_pdf(book_build) -> dict:
    """Run `make pdf` in the built copy with this run's environment; return the PDF, its pages'
    text (pdftotext's reading order, and the order it was drawn in: -raw), and the single page."""
    stamp, widgets = Path(sys.prefix) / ".installed-stamp", "node_modules/.attnbook-widgets-stamp"
    # -o: the environment and the widget JavaScript are this run's; make does not remake them.
    command = ["make", "-C", str(book_build), "pdf", f"VENV={sys.prefix}", "-o", str(stamp), "-o", widgets]
    start = time.monotonic()
    result = subprocess.run(command, capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})  # as the book's build
    seconds = time.monotonic() - start
    log = result.stdout + result.stderr
    assert result.returncode == 0, f"make pdf failed (exit {result.returncode}):\n{log[-6000:]}"
    pdf = book_build / "_build" / "pdf" / "attnbook.pdf"
    pages = pdftotext(pdf)
    print(f"make pdf: {seconds:.0f} s, {pdf.stat().st_size / 1e6:.1f} MB, {len(pages)} pages")
    html = _pdf.single_page(book_build / "_build" / "singlehtml").read_text(encoding="utf-8")
    return {"pdf": pdf, "pages": pages, "raw": pdftotext(pdf, "-raw"), "log": log, "html": html,
            "site": book_build / "_build" / "html"}


def test_pdf_opens_and_is_a4(book_pdf):
    info = subprocess.run(["pdfinfo", str(book_pdf["pdf"])], capture_output=True, text=True,
                          check=True).stdout
    fields = {key.strip(): value.strip() for key, value in
              (line.split(":", 1) for line in info.splitlines() if ":" in line)}
    assert int(fields["Pages"]) == len(book_pdf["pages"]) > 5 * len(CHAPTERS), info
    assert "(A4)" in fields["Page size"], info
    assert (book_pdf["site"] / "attnbook.pdf").read_bytes() == book_pdf["pdf"].read_bytes(), \
        "make pdf did not put the PDF beside the site"


def test_every_chapter_starts_a_page_in_order(book_pdf):
    """Each document starts a page that its title heads, in the order of _toc.yml; the pages per
    chapter are reported."""
    heads = [flat(page) for page in book_pdf["pages"]]
    starts = []
    for page in PAGES:
        found = [number for number, head in enumerate(heads) if head.startswith(flat(title(page)))]
        assert found, f"no page of the PDF starts with the title of {page}: {title(page)!r}"
        starts.append(found[0])
    assert starts == sorted(starts), f"documents out of order: {dict(zip(PAGES, starts))}"
    lengths = dict(zip(PAGES, [b - a for a, b in zip(starts, starts[1:] + [len(heads)])]))
    print("pages per chapter:", {page: lengths[page] for page in CHAPTERS})
    for page in CHAPTERS:
        assert lengths[page] >= 3, f"{page} has only {lengths[page]} pages"


def test_formulas_are_typeset_as_text(book_pdf):
    """Chapter 3's attention formula (equation 1 of Vaswani et al.) is text in the PDF, as MathJax's
    CommonHTML output draws it; and the printer typeset every formula of the page."""
    raw = flat("".join(book_pdf["raw"]))
    assert "softmax(QK⊤√dk)V" in raw, "chapter 3's softmax(QK^T / sqrt(d_k)) V is not text in the PDF"
    typeset = re.search(r"(\d+) formulas", book_pdf["log"])
    on_page = len(re.findall(r'class="math[ "]', book_pdf["html"]))
    assert typeset and int(typeset.group(1)) >= on_page > 50, (typeset, on_page)


def test_glossary_prints_korean(book_pdf):
    fonts = subprocess.run(["fc-list", ":lang=ko", "family"], capture_output=True, text=True).stdout
    assert fonts.strip(), "no font has Korean glyphs: install fonts-noto-cjk (make system-deps)"
    glossary = next(page for page in book_pdf["pages"] if flat(page).startswith(flat(title("book/glossary"))))
    text = "\f".join(book_pdf["pages"])
    assert "용어집" in glossary
    for english, korean in [("query", "쿼리"), ("hidden state", "은닉 상태"),
                            ("context vector", "문맥 벡터")]:
        assert english in text and korean in text, f"glossary: {english} / {korean} missing from the PDF"


def test_every_figure_and_diagram_is_printed(book_pdf):
    """Every diagram (book/diagrams) that a chapter shows is on the single page, every image there
    loaded (the printer fails on a broken one), and the PDF holds each PNG figure."""
    sources = re.findall(r'<img[^>]*\ssrc="([^"]+)"', book_pdf["html"])
    for page in CHAPTERS:
        text = (ROOT / f"{page}.ipynb").read_text(encoding="utf-8")
        for diagram in sorted(set(re.findall(r"book/diagrams/([\w.-]+\.svg)", text))):
            assert any(src.endswith(diagram) for src in sources), f"{page}: {diagram} is not printed"
    png = {src for src in sources if src.endswith(".png") or src.startswith("data:image/png")}
    listed = subprocess.run(["pdfimages", "-list", str(book_pdf["pdf"])], capture_output=True,
                            text=True, check=True).stdout.splitlines()[2:]
    images = [row for row in listed if row.split()[2] == "image"]
    assert png, "the single page has no PNG figure"
    assert len(images) >= len(png), f"{len(images)} images in the PDF, {len(png)} PNG figures on the page"
    assert re.search(r"(\d+) images", book_pdf["log"]), book_pdf["log"][-2000:]


def small_book(folder: Path, body: str) -> Path:
    """A single page laid out as singlehtml lays out the book: index.html redirects to the root
    document, whose links are relative to the folder; MathJax is the site's SVG component."""
    (folder / "book").mkdir(parents=True)
    (folder / "index.html").write_text('<meta http-equiv="Refresh" content="0; url=book/intro.html" />')
    (folder / "book" / "intro.html").write_text(
        '<!doctype html><html><head><meta charset="utf-8">'
        '<script defer src="_static/../tex-svg-full.js?v=1"></script></head><body>'
        f"{body}</body></html>", encoding="utf-8")
    return folder


def test_printer_sets_formulas_as_text_and_starts_each_document_on_a_page(tmp_path):
    body = ('<h1>Intro</h1><p><a href="book/intro.html#later">see later</a></p>'
            '<span id="document-notebooks/x"></span><section id="later"><h2>Chapter X</h2>'
            '<p>Korean: 쿼리</p><div class="math notranslate nohighlight">'
            r"\[\mathrm{softmax}\left(\frac{QK^\top}{\sqrt{d_k}}\right)V\]</div></section>")
    folder = small_book(tmp_path / "singlehtml", body)
    report = _pdf.build_pdf(folder, tmp_path / "small.pdf")
    assert report["formulas"] == 1 and report["documents"] == ["notebooks/x"], report
    assert not (folder / "_print.html").exists(), "the page to print is left behind"
    pages = pdftotext(tmp_path / "small.pdf")
    raw = flat("".join(pdftotext(tmp_path / "small.pdf", "-raw")))
    assert len(pages) == 2 and flat(pages[1]).startswith("ChapterX"), pages
    assert "softmax(QK⊤√dk)V" in raw and "쿼리" in raw, raw


def test_printer_fails_on_a_broken_image(tmp_path):
    folder = small_book(tmp_path / "singlehtml", '<img src="_images/missing.png" alt="a figure">')
    with pytest.raises(_pdf.PrintError, match="broken images: .*missing.png"):
        _pdf.build_pdf(folder, tmp_path / "broken.pdf")
    assert not (tmp_path / "broken.pdf").exists()
