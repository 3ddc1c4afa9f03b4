"""The Korean edition's catalogs and notebooks (attnbook/_i18n.py): current with the English,
translations that keep what must not change, Korean notebooks that are what the catalogs
generate with the English code, and the pages marked complete fully translated.

Fast: no notebook is executed; the one Sphinx run is the gettext build (execution off)."""

from __future__ import annotations

import shutil
import subprocess

import nbformat
import pytest

from attnbook import _i18n
from attnbook._i18n import (
    COMPLETE, ROOT, Catalog, catalogs, check_message, korean_notebook_pairs,
    korean_notebook_text, read_catalog, read_pot_ids, report, translate_markdown,
)

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
    ("{glue:text}`n` pairs", "{glue:text}`01_rnn_lstm.ipynb::n`개 쌍", ""),
    ("{glue:text}`n` pairs", "쌍 {glue:text}`01_rnn_lstm.ipynb::n`을 씁니다", "particle"),
    ("{glue:text}`n` pairs", "쌍 {glue:text}`01_rnn_lstm.ipynb::n`과 비교", "particle"),
    ("{glue:text}`n` pairs", "쌍 {glue:text}`01_rnn_lstm.ipynb::n`으로 나눔", "particle"),
    ("{glue:text}`n` pairs", "쌍은 {glue:text}`01_rnn_lstm.ipynb::n`입니다", ""),
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
    """{English term: its Korean headword} from book/glossary.md: the first words of each
    definition, up to the first ".", "," or " (" ("값 (값 벡터). The vector..." -> "값")."""
    import re

    block = path.read_text(encoding="utf-8").split("```{glossary}", 1)[1].split("```", 1)[0]
    words, terms = {}, []
    for line in block.splitlines():
        if line and not line.startswith(" "):
            terms.append(line.strip().lower())
        elif line.startswith("  ") and terms:
            headword = re.split(r"\.|,| \(", line.strip(), maxsplit=1)[0]
            words.update({term: headword for term in terms})
            terms = []
    return words


def test_terms_are_spelled_as_the_glossary_spells_them():
    """One term, one spelling: a glossary link shown in Korean (``{term}`값 <value>` ``)
    shows the glossary's Korean headword for its term (KOREAN.md)."""
    import re

    words = glossary_korean()
    assert words["query"] == "쿼리" and len(words) > 30
    wrong = []
    for page, cat in catalogs().items():
        for msgstr in cat.translated.values():
            for shown, target in re.findall(r"\{term\}`([^`<]+?)\s*<([^>`]+)>`", msgstr):
                want = words.get(target.strip().lower())
                if want is None or shown.strip() != want:
                    wrong.append(f"{page}: {shown} <{target}>, glossary: {want}")
    assert not wrong, "\n".join(wrong)
