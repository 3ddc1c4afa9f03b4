"""Search on the Korean site: the Korean search language of book/_ext/attnbook_i18n.py finds
a word whatever particle follows it ("쿼리를" is found by "쿼리"), in a real browser.

The Korean site built here is the book pages only (introduction, set-up, data, instructors,
glossary, references), with the catalogs of locale/ko: no notebook, so nothing to execute
and a Sphinx build of seconds; `make book` builds the whole Korean site the same way
(attnbook._i18n.build_site)."""

from __future__ import annotations

import functools
import re
import sys
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from attnbook._i18n import ROOT, build_site

sys.path.insert(0, str(ROOT / "book" / "_ext"))
from attnbook_i18n import ENDINGS, KoreanSearch, korean_stem, other_language_url  # noqa: E402
from test_browser import browser  # noqa: E402,F401 (the one headless-Chromium fixture)

PAGES_TOC = """format: jb-book
root: book/intro
parts:
  - caption: Reference
    chapters:
      - file: book/setup
      - file: book/data
      - file: book/instructors
      - file: book/glossary
      - file: book/references
"""
WORDS = ["어텐션", "쿼리", "정확도", "인코더"]


@pytest.mark.parametrize("word, stem", [
    ("쿼리의", "쿼리"), ("쿼리를", "쿼리"), ("정확도는", "정확도"), ("인코더에서", "인코더"),
    ("어텐션으로", "어텐션"), ("어텐션에서는", "어텐션"), ("디코더와", "디코더"),
    ("값을", "값"), ("값", "값"), ("이", "이"), ("BLEU는", "BLEU"), ("층", "층"),
    ("입력입니다", "입력"), ("계산합니다", "계산"), ("정규화된", "정규화"),
])
def test_korean_stem_drops_the_particle_or_ending(word, stem):
    assert korean_stem(word) == stem


def test_the_index_holds_each_word_and_its_stem():
    words = KoreanSearch(None).split("쿼리의 값은 query와 d_model로")
    assert words == ["쿼리의", "쿼리", "값은", "값", "query와", "query", "d_model로", "d_model"]


def test_the_other_edition_link():
    assert other_language_url("book/intro", "en") == "../ko/book/intro.html"
    assert other_language_url("book/intro", "ko") == "../../book/intro.html"
    assert other_language_url("index", "ko") == "../index.html"
    assert other_language_url("genindex", "en") == "ko/genindex.html"


@pytest.fixture(scope="module")
def korean_site(tmp_path_factory):
    """The Korean book pages built into <tmp>/html/ko; the seconds it took are printed."""
    work = tmp_path_factory.mktemp("korean-site")
    toc = work / "_toc.pages.yml"
    toc.write_text(PAGES_TOC, encoding="utf-8")
    lines = []
    start = time.perf_counter()
    code = build_site(ROOT, warnings_are_errors=True, log=lines.append, toc=str(toc),
                      outdir=work / "html" / "ko")
    seconds = time.perf_counter() - start
    print(f"Korean build of the book pages: {seconds:.1f} s")
    log = (work / "html" / ".ko-html-build.log").read_text(encoding="utf-8", errors="replace")
    assert code == 0, "\n".join(lines) + "\n" + log[-4000:]
    return work / "html"


def test_every_korean_page_links_to_its_english_page(korean_site):
    for page in ["book/intro", "book/setup", "book/data", "book/references"]:
        html = (korean_site / "ko" / f"{page}.html").read_text(encoding="utf-8")
        assert 'lang="ko"' in html[:400], page
        link = re.search(r'<a class="btn btn-sm attnbook-language" href="([^"]+)"', html)
        assert link and link.group(1) == other_language_url(page, "ko"), page
    intro = (korean_site / "ko" / "book" / "intro.html").read_text(encoding="utf-8")
    assert "밑바닥부터 시작하는 어텐션" in intro and "Welcome!" not in intro


def _page_texts(site: Path) -> dict[str, str]:
    texts = {}
    for path in (site / "ko" / "book").glob("*.html"):
        html = path.read_text(encoding="utf-8")
        body = html.split('<article class="bd-article">', 1)[-1].split("</article>", 1)[0]
        texts[path.stem] = re.sub(r"<[^>]+>", " ", body)
    return texts


@pytest.fixture(scope="module")
def served(korean_site):
    from test_browser import _QuietHandler

    handler = functools.partial(_QuietHandler, directory=str(korean_site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def _search(driver, url: str) -> list[str]:
    """The pages the site's own search page lists for the query in ``url``."""
    from selenium.webdriver.support.ui import WebDriverWait
    from test_browser import open_page

    open_page(driver, url)
    WebDriverWait(driver, 30).until(lambda d: d.execute_script(  # set when it is done
        "const s = document.querySelector('#search-results .search-summary');"
        "return s !== null && s.textContent.trim().length > 0;"))
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('#search-results ul.search li a'))"
        ".map(a => a.getAttribute('href'));")


@pytest.mark.parametrize("word", WORDS)
def test_searching_a_korean_word_finds_the_pages_that_use_it(word, korean_site, served,
                                                             request):
    """Every page whose text has the word, alone or with a particle or ending, is found."""
    from test_browser import CHROMEDRIVER, CHROMIUM

    if not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()):
        pytest.skip(f"needs {CHROMIUM} and {CHROMEDRIVER}")
    texts = _page_texts(korean_site)
    using = sorted(page for page, text in texts.items()
                   if any(korean_stem(w) == word or w == word
                          for w in re.findall(r"\w+", text)))
    assert using, f"no Korean book page says {word}: choose a word the pages use"
    driver = request.getfixturevalue("browser")
    found = _search(driver, f"{served}/ko/search.html?q={word}")
    found_pages = sorted({Path(href.split("?")[0].split("#")[0]).stem for href in found})
    assert set(using) <= set(found_pages), (word, using, found_pages)


def test_the_browser_stems_a_query_as_the_index_does(korean_site, served, request):
    from test_browser import CHROMEDRIVER, CHROMIUM, open_page

    if not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()):
        pytest.skip(f"needs {CHROMIUM} and {CHROMEDRIVER}")
    driver = request.getfixturevalue("browser")
    open_page(driver, f"{served}/ko/search.html")
    words = ["쿼리의", "정확도는", "인코더에서", "값", "계산합니다"] + [f"어텐션{e}" for e in ENDINGS]
    stems = driver.execute_script(
        "const s = new Stemmer(); return arguments[0].map(w => s.stemWord(w));", words)
    assert stems == [korean_stem(w) for w in words]
