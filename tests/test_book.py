"""The book builds from scratch with warnings as errors, executing every notebook."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from attnbook import _export

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "book" / "_ext"))
from attnbook_i18n import other_language_url  # noqa: E402 (the book's own extension)


@pytest.fixture(scope="module")
def built_book(book_build) -> Path:
    """The site built from scratch, _build/html (tests/conftest.py builds it once for the whole run)."""
    return book_build / "_build" / "html"


def test_the_korean_site_builds_every_page_without_a_warning(built_book):
    """`make book`'s Korean half: every page, from the English build's cache (nothing executed),
    warnings as errors; every glued value of a chapter is pasted, none left empty."""
    outcome = json.loads((built_book.parent / "korean-build.json").read_text(encoding="utf-8"))
    assert outcome["returncode"] == 0, outcome["log"]
    for page in toc_pages():
        html = (built_book / "ko" / f"{page}.html").read_text(encoding="utf-8")
        assert 'lang="ko"' in html[:400], page
        # a role myst-nb could not paste leaves nothing; one it pasted is a span
        english = (built_book / f"{page}.html").read_text(encoding="utf-8")
        assert html.count('class="pasted-text"') == english.count('class="pasted-text"'), page
        # each links to the other (the page template's plain link, no JavaScript)
        for text, language in ((html, "ko"), (english, "en")):
            link = re.search(r'<a class="btn btn-sm attnbook-language" href="([^"]+)"', text)
            assert link and link.group(1) == other_language_url(page, language), (page, language)


def _prose_blocks(html: str) -> list[str]:
    """The innermost paragraphs, list items, headings, captions and table cells of a page's
    article, without code, outputs, math, the bibliography's entries and the glossary's
    English headwords; those with at least 10 letters."""
    from bs4 import BeautifulSoup

    article = BeautifulSoup(html, "lxml").find("article")
    for skipped in article.select("pre, script, style, code, .cell_input, .cell_output, .math, "
                                  "dl.citation, div.citation, dl.glossary > dt, .headerlink"):
        skipped.decompose()
    blocks = []
    for element in article.find_all(["p", "li", "h1", "h2", "h3", "h4", "figcaption", "dt",
                                     "th", "td"]):
        text = element.get_text(" ", strip=True)
        if not element.find(["p", "li"]) and len(re.findall(r"[A-Za-z\uac00-\ud7a3]", text)) >= 10:
            blocks.append(text)
    return blocks


def test_the_korean_pages_prose_is_korean(built_book):
    """Issue 21's measure: at least 95% of the Korean pages' prose blocks hold Hangul (the rest
    are names: a source's title, a paper in a table cell)."""
    blocks = [block for page in toc_pages()
              for block in _prose_blocks((built_book / "ko" / f"{page}.html").read_text(encoding="utf-8"))]
    english = [block for block in blocks if not re.search(r"[\uac00-\ud7a3]", block)]
    share = 1 - len(english) / len(blocks)
    print(f"Korean prose blocks: {len(blocks) - len(english)} of {len(blocks)} ({share:.1%})")
    assert len(blocks) > 500 and share >= 0.95, english[:20]


def toc_pages() -> list[str]:
    return _export.toc_entries(ROOT)


def test_every_toc_page_is_rendered(built_book):
    for page in toc_pages():
        assert (built_book / f"{page}.html").exists(), f"{page}.html was not built"


def test_chapter_pages_have_launch_buttons_and_no_errors(built_book):
    for page in toc_pages():
        if not page.startswith("notebooks/"):
            continue
        html = (built_book / f"{page}.html").read_text(encoding="utf-8")
        assert "colab.research.google.com" in html, f"{page}: no Colab launch button"
        assert "mybinder.org" in html, f"{page}: no Binder launch button"
        assert "Traceback (most recent call last)" not in html, f"{page}: a cell raised"
        assert "%pip install" not in html, f"{page}: the Colab install cell should be removed from the page"


def test_glossary_is_bilingual_and_linked(built_book):
    glossary = (built_book / "book" / "glossary.html").read_text(encoding="utf-8")
    for english, korean in [("query", "쿼리"), ("hidden state", "은닉 상태"), ("context vector", "문맥 벡터")]:
        assert english in glossary and korean in glossary
    chapter = (built_book / "notebooks" / "01_rnn_lstm.html").read_text(encoding="utf-8")
    assert "glossary.html#term-" in chapter, "chapter 1 links no glossary term"


def test_bibliography_lists_the_papers(built_book):
    refs = (built_book / "book" / "references.html").read_text(encoding="utf-8")
    for title in ["Long Short-Term Memory", "Neural Machine Translation by Jointly Learning",
                  "Effective Approaches to Attention-based", "Attention Is All You Need",
                  "Sequence to Sequence Learning", "Learning Phrase Representations"]:
        # the bibliography style sentence-cases titles: compare without case
        assert title.lower() in refs.lower(), f"missing from the bibliography: {title}"


def test_book_serves_its_own_javascript(built_book):
    """Formulas and saved widgets render offline: MathJax and the widget manager come from the book."""
    for name in ("tex-svg-full.js", "require.js", "embed-amd.js"):
        assert (built_book / name).is_file(), f"{name} is not served by the book"
    for page in toc_pages():
        html = (built_book / f"{page}.html").read_text(encoding="utf-8")
        # Scripts that load with the page (Thebe's URL is only a setting, fetched if a reader clicks "Live code")
        external = re.findall(r'<script[^>]*\ssrc="((?:https?:)?//[^"]+)"', html)
        assert not external, f"{page} loads scripts from elsewhere: {external}"


EXTERNAL_IMAGE = re.compile(r'<img[^>]*\ssrc="((?:https?:)?//[^"]+)"')


def test_pages_load_no_image_from_elsewhere(built_book):
    """Every picture is the book's own, so it shows offline and in the PDF: the exercises'
    Colab badge is book/_static/colab-badge.svg, not Colab's."""
    for page in toc_pages():
        html = (built_book / f"{page}.html").read_text(encoding="utf-8")
        external = EXTERNAL_IMAGE.findall(html)
        assert not external, f"{page} loads images from elsewhere: {external}"
        if page.startswith("notebooks/"):
            assert re.search(r'<img[^>]*\ssrc="[^"]*colab-badge\.svg"', html), \
                f"{page}: no Colab badge in its exercises"


def test_every_chapter_serves_its_student_notebook(built_book):
    """The exercise link works offline: besides the Colab badge, the book serves the student notebook."""
    for page in toc_pages():
        if not page.startswith("notebooks/"):
            continue
        name = page.split("/")[-1]
        html = (built_book / f"{page}.html").read_text(encoding="utf-8")
        links = re.findall(r'href="([^"]*_downloads/[^"]*/' + re.escape(name) + r'\.ipynb)"', html)
        assert links, f"{page}: no download link to the student notebook {name}.ipynb"
        served = (built_book / page).parent / links[0]
        assert served.is_file(), f"{page}: the linked student notebook {links[0]} is not in the site"
        assert '"nbgrader"' in served.read_text(encoding="utf-8"), f"{served} is not the student notebook"


def test_every_output_figure_has_a_text_alternative(built_book):
    """A notebook's output picture gets the description attnbook.plot wrote into its PNG (its
    titles and axis labels), not the file's hash that the HTML writer falls back to."""
    missing, described = [], 0
    for page in toc_pages():
        if not page.startswith("notebooks/"):
            continue
        html = (built_book / f"{page}.html").read_text(encoding="utf-8")
        for alt, src in re.findall(r'<img alt="([^"]*)" src="(\.\./_images/[0-9a-f]{20,}\.png)"', html):
            if alt == src or not alt.strip():
                missing.append(f"{page}: {src}")
            else:
                described += 1
    assert missing == [], missing
    assert described >= 20, described  # the chapters draw dozens of figures


def test_no_page_shows_a_matplotlib_font_warning(built_book):
    """'findfont: Font family ... not found' on a page means the build machine's font cache or
    fonts were broken while the notebooks ran: the learner would read 20 lines of noise."""
    shown = [page for page in toc_pages()
             if "findfont:" in (built_book / f"{page}.html").read_text(encoding="utf-8")]
    assert shown == [], shown
