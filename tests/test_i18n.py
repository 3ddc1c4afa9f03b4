"""The Korean edition's catalogs and notebooks (attnbook/_i18n/): current with the English,
translations that keep what must not change, Korean notebooks that are what the catalogs
generate with the English code, and the pages marked complete fully translated.

Fast: no notebook is executed; the Sphinx runs are the gettext build and a Korean site of one
chapter (both with execution off), whose theme words (footer, buttons, contents) are checked."""

from __future__ import annotations

import shutil
import subprocess

import nbformat
import pytest

from attnbook import _i18n
from attnbook._i18n import (
    COMPLETE,
    ROOT,
    Catalog,
    catalogs,
    check_message,
    korean_notebook_pairs,
    korean_notebook_text,
    read_catalog,
    read_pot_ids,
    report,
    translate_markdown,
)
from attnbook._i18n.notebooks import translate_table_cells

pytestmark = pytest.mark.skipif(shutil.which("msgmerge") is None,
                                reason="needs GNU gettext (Debian: apt-get install gettext)")


@pytest.fixture(scope="module")
def fresh_pots(tmp_path_factory):
    """The .pot files of the English sources as they are now."""
    return _i18n.make_pot(ROOT, tmp_path_factory.mktemp("gettext"), log=lambda _: None)


def test_catalogs_are_current_with_the_english(fresh_pots):
    """Regenerating the .pot files gives exactly the messages of the committed catalogs
    (else: `make translations`, then translate what became fuzzy or untranslated)."""
    committed = catalogs()
    pots = {p.relative_to(fresh_pots).with_suffix("").as_posix(): p
            for p in fresh_pots.rglob("*.pot") if p.stem != "sphinx"}
    assert sorted(pots) == sorted(committed), "a page has no catalog, or a catalog no page"
    stale = []
    for page, pot in pots.items():
        now, po = set(read_pot_ids(pot)), committed[page].msgids
        if now != po:
            stale.append(f"{page}: {len(now - po)} new, {len(po - now)} gone, e.g. "
                         f"{sorted(now ^ po)[0][:70]!r}")
    assert not stale, ("catalogs not current with the English (run `make translations`):\n"
                       + "\n".join(stale))


def test_msgmerge_keeps_a_changed_paragraph_as_fuzzy_with_its_old_english(tmp_path):
    """The merge the catalogs go through: a changed English paragraph becomes fuzzy, its
    translation and its previous English kept; a new one comes untranslated."""
    root = tmp_path
    po = _i18n.catalog_dir(root) / "book" / "page.po"
    po.parent.mkdir(parents=True)
    po.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                  'msgid "The query asks every key."\nmsgstr "쿼리는 모든 키에 묻습니다."\n',
                  encoding="utf-8")
    pots = tmp_path / "pot" / "book"
    pots.mkdir(parents=True)
    (pots / "page.pot").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "The query asks every key once."\nmsgstr ""\n\n'
        'msgid "A new paragraph about values."\nmsgstr ""\n', encoding="utf-8")
    _i18n.merge_catalogs(root, tmp_path / "pot", log=lambda _: None)
    text = po.read_text(encoding="utf-8")
    assert '#| msgid "The query asks every key."' in text
    cat = read_catalog(po)
    assert cat.fuzzy == ["The query asks every key once."]
    assert cat.untranslated == ["A new paragraph about values."]
    assert not cat.translated


def korean_twins(root=ROOT) -> dict[str, set[str]]:
    """{notebook stem: the glued keys that carry a Korean twin} (``glue(name, ..., ko=...)``),
    read from the chapters' code."""
    import ast

    twins = {}
    for path in sorted((root / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            try:
                tree = ast.parse(cell.source)
            except SyntaxError:  # IPython magics: no glue call there
                continue
            for node in ast.walk(tree):
                if (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "glue"
                        and any(k.arg == "ko" for k in node.keywords)
                        and isinstance(node.args[0], ast.Constant)):
                    twins.setdefault(path.stem, set()).add(node.args[0].value)
    return twins


def test_glued_sentences_show_their_korean_twin():
    """A glued English sentence (a verdict the code writes) would stand in English in a Korean
    paragraph: where the chapter glues a Korean twin, the Korean catalog shows ``key_ko``."""
    import re

    twins = korean_twins()
    assert "tat_verdict" in twins["02_seq2seq_attention"]
    wrong = []
    for page, cat in catalogs().items():
        stem = page.rsplit("/", 1)[-1]
        for msgstr in cat.translated.values():
            for key in re.findall(r"\{glue:\w*\}`[\w.]*::(\w+)", msgstr):
                if key in twins.get(stem, ()):
                    wrong.append(f"{page}: {key} (use {key}_ko)")
    assert not wrong, "\n".join(wrong)


def test_every_translation_keeps_roles_links_glue_math_and_code():
    problems = [f"{page}: {msgid[:60]!r}: {problem}"
                for page, cat in catalogs().items()
                for msgid, msgstr in cat.translated.items()
                for problem in check_message(msgid, msgstr, page)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("msgid, msgstr, expect", [
    ("a {term}`query` here", "여기 {term}`쿼리 <query>`", ""),
    ("a {term}`query` here", "여기 쿼리", "roles"),
    ("a {term}`query` here", "여기 {term}`키 <key>`", "roles"),
    ("see [d2l](https://d2l.ai)", "[d2l](https://d2l.ai) 참고", ""),
    ("see [d2l](https://d2l.ai)", "[d2l](https://d2l.example) 참고", "links"),
    ("[ex](https://x.org/a/blob/main/exercises/e.ipynb)",
     "[연습](https://x.org/a/blob/main/ko/exercises/e.ipynb)", ""),
    ("with $W_Q$ and `d_model`", "$W_Q$와 `d_model` 값", ""),
    ("with $W_Q$ and `d_model`", "$W_K$와 `d_model` 값", "math"),
    ("with $W_Q$ and `d_model`", "$W_Q$와 `d_k` 값", "code"),
    ("{glue:text}`acc:.1%` right", "{glue:text}`01_rnn_lstm.ipynb::acc:.1%` 맞음", ""),
    ("{glue:text}`acc:.1%` right", "{glue:text}`acc:.1%` 맞음", "needs its notebook"),
    ("{glue:text}`acc:.1%` right", "{glue:text}`01_rnn_lstm.ipynb::acc:.2%` 맞음", "glue"),
    ("{glue:text}`n` pairs", "{glue:text}`01_rnn_lstm.ipynb::n:s`개 쌍", ""),
    # myst-nb reads "NN.ipynb::n" as key "NN.ipynb:" with format "n": pasted empty
    ("{glue:text}`n` pairs", "{glue:text}`01_rnn_lstm.ipynb::n`개 쌍", "pasted empty"),
    ("{glue:text}`n` pairs", "{glue:text}`01_rnn_lstm.ipynb::m:s`개 쌍", "glue"),
    ("{glue:text}`n` pairs", "쌍 {glue:text}`01_rnn_lstm.ipynb::n:s`을 씁니다", "particle"),
    ("{glue:text}`n` pairs", "쌍 {glue:text}`01_rnn_lstm.ipynb::n:s`과 비교", "particle"),
    ("{glue:text}`n` pairs", "쌍 {glue:text}`01_rnn_lstm.ipynb::n:s`으로 나눔", "particle"),
    ("{glue:text}`n` pairs", "쌍은 {glue:text}`01_rnn_lstm.ipynb::n:s`입니다", ""),
    # a Markdown value pastes only on its own notebook's page: {glue} (its HTML) in Korean
    ("{glue:md}`word` is", "{glue}`01_rnn_lstm.ipynb::word`입니다", ""),
    ("{glue:md}`word` is", "{glue:md}`01_rnn_lstm.ipynb::word`입니다", "pasted empty"),
    ("**attention** is", "**어텐션**(attention)은", ""),
    ("**attention** is", "**어텐션**은", ""),
    ("**attention** is", "**어텐션(attention)**은", "does not render"),
    ("*exported* here", "*내보냅니다*(export)", ""),
    ("3. Self-attention", "3\\. 셀프 어텐션", ""),
    ("3. Self-attention", "3. 셀프 어텐션", "write the number"),
])
def test_check_message_sees_what_a_translation_breaks(msgid, msgstr, expect):
    problems = " ".join(check_message(msgid, msgstr))
    if expect:
        assert expect in problems, (msgstr, problems)
    else:
        assert not problems, (msgstr, problems)


def test_the_pages_marked_complete_are_fully_translated(capsys):
    """The strict mode: 0 fuzzy and 0 untranslated messages on the pages of COMPLETE."""
    assert report(ROOT, strict=True) == 0, capsys.readouterr().out
    cats = catalogs()
    for page in COMPLETE:
        assert not cats[page].fuzzy and not cats[page].untranslated, page


def test_the_strict_mode_fails_on_a_fuzzy_or_untranslated_message(tmp_path):
    page = COMPLETE[0]
    source = _i18n.catalog_dir() / f"{page}.po"
    target = _i18n.catalog_dir(tmp_path) / f"{page}.po"
    target.parent.mkdir(parents=True)
    text = source.read_text(encoding="utf-8")
    first = text.index('\nmsgid "', text.index("msgid")+1)  # the first message after the header
    target.write_text(text[:first] + "\n#, fuzzy" + text[first:], encoding="utf-8")
    quiet = dict(log=lambda _: None)
    assert report(tmp_path, [page], strict=True, **quiet) == 1
    assert report(tmp_path, [page], strict=False, **quiet) == 0
    target.write_text(text, encoding="utf-8")
    assert report(tmp_path, [page], strict=True, **quiet) == 0


def test_translate_markdown_replaces_whole_blocks_and_leaves_the_rest():
    source = ("# 3. Self-attention\n\nEvery token queries\nevery other token.\n\n"
              "- a list item\n  on two lines\n- untouched item\n\n"
              "Every token queries every other token, twice.")
    done = {"3. Self-attention": "3\\. 셀프 어텐션",
            "Every token queries every other token.": "모든 토큰이 다른 모든 토큰에 묻습니다.",
            "a list item on two lines": "두 줄짜리 목록 항목"}
    out, count = translate_markdown(source, done)
    assert count == 3
    assert out.splitlines()[0] == "# 3\\. 셀프 어텐션"
    assert "\n- 두 줄짜리 목록 항목\n- untouched item\n" in out
    assert out.endswith("Every token queries every other token, twice.")  # not a match
    glued = translate_markdown("Acc {glue:text}`acc:.1%`.",
                               {"Acc {glue:text}`acc:.1%`.":
                                "정확도 {glue:text}`01_x.ipynb::acc:.1%`."}, "01_x.ipynb")[0]
    assert glued == "정확도 {glue:text}`acc:.1%`."  # the notebook's own key, as in English


def test_table_cells_are_translated_one_by_one():
    source = ("| step | code |\n|---|:-:|\n| project | `x | y` |\n"
              "| keep me | $|a|$ |\nnot | a table")
    done = {"step": "단계", "code": "코드", "project": "사영",
            "`x | y`": "`x | y`", "keep": "유지"}
    out, count = translate_table_cells(source, done)
    assert count == 3                                   # step, code, project
    assert out.splitlines() == ["| 단계 | 코드 |", "|---|:-:|", "| 사영 | `x | y` |",
                                "| keep me | $|a|$ |", "not | a table"]


def test_a_fuzzy_message_stays_english_in_the_korean_notebook(tmp_path):
    english = tmp_path / "01_x.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("Old text.\n\nNew text."),
                nbformat.v4.new_code_cell("x = 1  # a comment")]
    nbformat.write(nb, english)
    cat = Catalog("notebooks/01_x", translated={"New text.": "새 글입니다."},
                  fuzzy=["Old text."])
    korean = nbformat.reads(korean_notebook_text(english, "notebooks/01_x",
                                                 {"notebooks/01_x": cat}), 4)
    assert korean.cells[0].source == "Old text.\n\n새 글입니다."
    assert korean.cells[1].source == "x = 1  # a comment"


def test_the_committed_korean_notebooks_are_what_the_catalogs_generate():
    cats = catalogs()
    stale = []
    for english, korean, page in korean_notebook_pairs():
        if not korean.exists() or korean.read_text(encoding="utf-8") != \
                korean_notebook_text(english, page, cats):
            stale.append(str(korean.relative_to(ROOT)))
    assert not stale, ("Korean notebooks not generated from the current catalogs "
                       "(run `make ko-notebooks`): " + ", ".join(stale))


def test_korean_notebooks_have_the_english_code():
    """Every chapter and assignment has its Korean notebook, cell for cell, each code cell
    (source, tags, nbgrader metadata) identical to the English one."""
    pairs = korean_notebook_pairs()
    assert len(pairs) >= 16
    for english, korean, _ in pairs:
        en, ko = nbformat.read(english, 4), nbformat.read(korean, 4)
        assert [c.cell_type for c in en.cells] == [c.cell_type for c in ko.cells], korean
        for a, b in zip(en.cells, ko.cells):
            assert a.metadata == b.metadata, korean
            if a.cell_type == "code":
                assert a.source == b.source, (korean, a.source[:80])


def test_the_script_merges_with_gnu_gettext():
    assert subprocess.run(["msgmerge", "--version"], capture_output=True).returncode == 0


def glossary_korean(path=ROOT / "book" / "glossary.md") -> dict[str, str]:
    """{English term: the Korean names its glossary entry gives} from book/glossary.md: a
    definition starts with the Korean names of its terms before the first ". " ("값 (값 벡터).
    The vector..." -> value: ["값", "값 벡터"]; the entry of post-LN and pre-LN, "포스트 LN, 프리
    LN (post-LN, pre-LN). ..." -> both: ["포스트 LN", "프리 LN", "post-LN", "pre-LN"])."""
    import re

    block = path.read_text(encoding="utf-8").split("```{glossary}", 1)[1].split("```", 1)[0]
    words, terms = {}, []
    for line in block.splitlines():
        if line and not line.startswith(" "):
            terms.append(line.strip().lower())
        elif line.startswith("  ") and terms:
            names = [n.strip() for n in re.split(r",|\(|\)|;", line.strip().split(". ", 1)[0])
                     if n.strip()]
            words.update({term: names for term in terms})
            terms = []
    return words


def test_terms_are_spelled_as_the_glossary_spells_them():
    """One term, one spelling: a glossary link shown in Korean (``{term}`값 <value>` ``)
    shows the glossary's Korean headword for its term (KOREAN.md)."""
    import re

    words = glossary_korean()
    assert words["query"][0] == "쿼리" and len(words) > 30
    wrong = []
    for page, cat in catalogs().items():
        for msgstr in cat.translated.values():
            for shown, target in re.findall(r"\{term\}`([^`<]+?)\s*<([^>`]+)>`", msgstr):
                want = words.get(target.strip().lower())
                if want is None or shown.strip() not in want:
                    wrong.append(f"{page}: {shown} <{target}>, glossary: {want}")
    assert not wrong, "\n".join(wrong)


# The words of the themes on a Korean chapter page (book/_ext/attnbook_i18n.py,
# locale/ko/LC_MESSAGES/booktheme.po and sphinx.po) ------------------------------------------
CHAPTER = "notebooks/03_self_attention"
# sphinx-book-theme's own Korean, wrong: "By <author>" as "으로 <author>", "Launch" as a
# dictionary verb, and the like. None may show on the Korean site.
BAD_THEME_KOREAN = ["으로 The attnbook", "시작하다", "전체 화면으로보기", "스핑크스 도서 테마",
                    "테마별", "열린 문제", "탐색 전환"]
# The themes' English strings that a Korean page must not show (text, tooltip or label).
ENGLISH_THEME_STRINGS = [
    "By", "Contents", "Search this book...", "Search", "Launch", "Launch interactive content",
    "Launch on Binder", "Launch on Colab", "Colab logo", "Binder logo", "Source repository",
    "Download this page", "Download source file", "Download notebook file", "Print to PDF",
    "Fullscreen mode", "Color mode", "Light", "Dark", "System Settings",
    "Toggle primary sidebar", "Toggle secondary sidebar", "Skip to main content",
    "Back to top", "On this page", "Site navigation", "previous page", "next page",
    "previous", "next", "Previous", "Next",
]
# ... and the Korean it shows instead, each where the reader sees it.
KOREAN_THEME_STRINGS = [
    "지은이: The attnbook authors", "목차", "이 책에서 검색...", "Colab에서 실행",
    "Binder에서 실행", "Colab 로고", "대화형으로 실행", "소스 저장소", "이 페이지 내려받기",
    "소스 파일 내려받기", "PDF로 인쇄", "전체 화면 모드", "색상 모드", "밝게", "어둡게",
    "왼쪽 사이드바 열기/닫기", "오른쪽 목차 열기/닫기", "본문으로 건너뛰기", "맨 위로",
    "이전 페이지", "다음 페이지", "이전", "다음",
]


def theme_words(html: str) -> set[str]:
    """What a page shows around its article: each text (a line of it) and each tooltip,
    label, placeholder and alt text, outside the article and the scripts."""
    import html as html_lib
    import re

    outside = re.sub(r'<article class="bd-article">.*?</article>', "", html, flags=re.S)
    outside = re.sub(r"<(script|style)\b.*?</\1>", "", outside, flags=re.S)
    words = {html_lib.unescape(m.group(2)).strip() for m in re.finditer(
        r'\s(title|aria-label|placeholder|alt|data-bs-title)="([^"]*)"', outside)}
    text = html_lib.unescape(re.sub(r"<[^>]+>", "\n", outside))
    words |= {" ".join(line.split()) for line in text.splitlines()}
    return words - {""}


@pytest.fixture(scope="module")
def korean_chapter(tmp_path_factory) -> str:
    """A Korean chapter page, from a site of the root page, one chapter and a page built with the
    catalogs of locale/ko as `make book` builds it, but nothing executed (the outputs do
    not matter here): seconds."""
    work = tmp_path_factory.mktemp("korean-chapter")
    toc = work / "_toc.yml"
    toc.write_text(f"format: jb-book\nroot: book/intro\nchapters:\n  - file: {CHAPTER}\n"
                   "  - file: book/setup\n", encoding="utf-8")  # a previous and a next page
    overrides = {**_i18n.korean_overrides(ROOT, str(toc)), "nb_execution_mode": "off",
                 "nitpicky": False}
    code = _i18n.run_sphinx(ROOT, work / "ko", "html", overrides, doctrees=work / "doctrees",
                            log_path=work / "build.log")
    assert code == 0, (work / "build.log").read_text(encoding="utf-8")[-3000:]
    return (work / "ko" / f"{CHAPTER}.html").read_text(encoding="utf-8")


def test_the_theme_speaks_korean_on_a_korean_chapter_page(korean_chapter):
    words = theme_words(korean_chapter)
    bad = [w for w in words if any(b in w for b in BAD_THEME_KOREAN)]
    assert not bad, f"the theme's wrong Korean is shown: {bad}"
    english = sorted(set(ENGLISH_THEME_STRINGS) & words)
    assert not english, f"theme strings left in English: {english}"
    missing = [w for w in KOREAN_THEME_STRINGS if w not in words]
    assert not missing, f"not shown: {missing}"
    # sphinx-copybutton's "Copy" / "Copied!": Korean from a script after copybutton.js
    assert korean_chapter.index("attnbook-copybutton-ko.js") > \
        korean_chapter.index("copybutton.js")


def test_the_theme_catalogs_are_no_page_catalogs():
    """locale/ko/LC_MESSAGES/booktheme.po and sphinx.po are the themes' words, translated by
    hand: no page of the book, not in `make translations` nor in the page reports."""
    base = _i18n.catalog_dir(ROOT)
    for name in _i18n.THEME_CATALOGS:
        assert (base / f"{name}.po").is_file(), name
        assert name not in catalogs()
        cat = read_catalog(base / f"{name}.po", name)
        assert cat.translated and not cat.fuzzy and not cat.untranslated, name


def test_a_korean_chapter_loads_no_image_from_elsewhere(korean_chapter):
    """The Colab badge of the exercises is the book's own (book/_static/colab-badge.svg):
    it shows offline and in the PDF."""
    import re

    external = re.findall(r'<img[^>]*\ssrc="((?:https?:)?//[^"]+)"', korean_chapter)
    assert not external, external
    assert re.search(r'<img[^>]*\ssrc="[^"]*colab-badge\.svg"', korean_chapter)
