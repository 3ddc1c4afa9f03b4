"""The architecture diagrams of book/diagrams/: each one the script lists exists, is
exactly what the script draws now, carries alt text, and is embedded by a chapter with
the MyST figure directive. Each is drawn twice: NAME.svg in English, NAME.ko.svg in Korean
(the Korean edition picks it: figure_language_filename in _config.yml)."""

from __future__ import annotations

import importlib.util
import re
import shutil
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "book" / "diagrams"
SVG = "{http://www.w3.org/2000/svg}"
REGENERATE = "run `python book/diagrams/make_diagrams.py` and commit the SVG"


def load_script():
    spec = importlib.util.spec_from_file_location(
        "make_diagrams", FOLDER / "make_diagrams.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


SCRIPT = load_script()
DIAGRAMS = SCRIPT.DIAGRAMS
LANGUAGES = SCRIPT.LANGUAGES
# Every (diagram, language) pair, and the SVG file of each.
DRAWN = [(d, language) for d in DIAGRAMS for language in LANGUAGES]
HANGUL = re.compile("[\uac00-\ud7af]")


def drawn_id(case) -> str:
    return SCRIPT.svg_name(case[0].name, case[1])

# The names the chapters embed (fixed in the session plan), with the chapter of each.
PLANNED = {
    "rnn_unrolled": 1,
    "lstm_cell": 1,
    "seq2seq_fixed_context": 1,
    "seq2seq_attention": 2,
    "scaled_dot_product_attention": 3,
    "multi_head_split_merge": 4,
    "encoder_block_post_pre_ln": 5,
    "minilm_stack": 6,
    "transformer_encoder_decoder": 7,
    "causal_mask": 7,
    "kv_cache": 7,
    "decoder_only_block": 8,
    "tiled_attention": 8,
}


def test_the_script_draws_every_planned_diagram():
    drawn = {d.name: d.chapter for d in DIAGRAMS}
    assert len(drawn) == len(DIAGRAMS), "two diagrams share a name"
    assert drawn == PLANNED


def test_no_svg_without_a_source():
    listed = {SCRIPT.svg_name(d.name, language) for d, language in DRAWN}
    stray = sorted(p.name for p in FOLDER.glob("*.svg") if p.name not in listed)
    assert not stray, f"SVG files that make_diagrams.py does not write: {stray}"


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("diagrams")
    written = SCRIPT.write_all(out)
    assert sorted(p.name for p in written) == sorted(
        SCRIPT.svg_name(d.name, language) for d, language in DRAWN)
    return out


@pytest.mark.parametrize("case", DRAWN, ids=drawn_id)
def test_diagram_is_committed_and_up_to_date(case, regenerated):
    committed = FOLDER / SCRIPT.svg_name(case[0].name, case[1])
    assert committed.is_file(), f"{committed.name} is missing: {REGENERATE}"
    fresh = (regenerated / committed.name).read_text(encoding="utf-8")
    assert committed.read_text(encoding="utf-8") == fresh, (
        f"{committed.name} is out of date: {REGENERATE}"
    )


def test_the_script_is_deterministic(tmp_path, regenerated):
    # the Korean ones too: Hangul comes from a pinned package's font, not the system's
    SCRIPT.write_all(tmp_path, names=[d.name for d in DIAGRAMS[:3]])
    for diagram, language in DRAWN:
        if diagram in DIAGRAMS[:3]:
            name = SCRIPT.svg_name(diagram.name, language)
            assert (tmp_path / name).read_bytes() == (regenerated / name).read_bytes(), name


@pytest.mark.parametrize("case", DRAWN, ids=drawn_id)
def test_diagram_has_alt_text_and_no_font_dependence(case):
    diagram, language = case
    path = FOLDER / SCRIPT.svg_name(diagram.name, language)
    if not path.is_file():
        pytest.fail(f"{path.name} is missing: {REGENERATE}")
    root = ET.parse(path).getroot()
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    want_title, want_alt = diagram.alt_text(language)
    assert want_title and want_alt, f"{diagram.name}: no {language} title or alt text"
    assert title is not None and title.text.strip() == want_title, (
        f"{path.name}: no <title>"
    )
    assert desc is not None and desc.text.strip() == want_alt, (
        f"{path.name}: no <desc> (alt text)"
    )
    # Korean words are longer than English ones: count the English alt text's words.
    assert len(diagram.alt.split()) >= 15, (
        f"{path.name}: the alt text is too short to describe the picture"
    )
    if language == "ko":
        assert HANGUL.search(want_title) and HANGUL.search(want_alt), (
            f"{path.name}: the title or alt text is not in Korean"
        )
    assert root.get("role") == "img"
    # Text is drawn as paths: no <text> element that would depend on the reader's fonts.
    assert root.find(f".//{SVG}text") is None, (
        f"{path.name}: has <text>; use svg.fonttype 'path'"
    )
    # Readable at the book's width: the figure is 10 inches (720 pt) wide.
    assert root.get("width") == "720pt", f"{path.name}: width {root.get('width')}"


@pytest.mark.parametrize("diagram", DIAGRAMS, ids=lambda d: d.name)
def test_korean_diagram_draws_hangul_with_the_hangul_font(diagram):
    """The Korean SVG has glyphs of the Hangul font (drawn as paths: matplotlib names each
    glyph after its font), the English one none; no glyph is a missing-glyph box."""
    english = (FOLDER / f"{diagram.name}.svg").read_text(encoding="utf-8")
    korean = (FOLDER / f"{diagram.name}.ko.svg").read_text(encoding="utf-8")
    assert 'id="NanumGothic' not in english
    assert re.search(r'id="NanumGothic[\w-]*-[0-9a-f]+"', korean), (
        f"{diagram.name}.ko.svg: no Hangul glyph from NanumGothic"
    )
    assert korean != english


@pytest.mark.parametrize("language, shown", [("en", "rnn_unrolled.svg"),
                                              ("ko", "rnn_unrolled.ko.svg")])
def test_each_edition_shows_the_diagram_in_its_language(tmp_path, language, shown):
    """With the book's figure_language_filename, Sphinx shows NAME.ko.svg in the Korean
    build (language: ko, as attnbook/_i18n/ builds it) and NAME.svg in the English one."""
    from sphinx.application import Sphinx
    from sphinx.util.docutils import docutils_namespace

    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    pattern = config["sphinx"]["config"]["figure_language_filename"]
    src = tmp_path / "src"
    (src / "diagrams").mkdir(parents=True)
    for name in ("rnn_unrolled.svg", "rnn_unrolled.ko.svg"):
        shutil.copyfile(FOLDER / name, src / "diagrams" / name)
    (src / "conf.py").write_text(
        f"language = {language!r}\nfigure_language_filename = {pattern!r}\n", encoding="utf-8")
    (src / "index.rst").write_text(
        "Diagram\n=======\n\n.. figure:: diagrams/rnn_unrolled.svg\n   :alt: an RNN\n",
        encoding="utf-8")
    # docutils_namespace: the directives and roles Sphinx registers are docutils globals; without
    # it they stay registered and a later Sphinx build in this process warns that they are.
    with docutils_namespace():
        app = Sphinx(src, src, tmp_path / "html", tmp_path / "doctrees", "html",
                     status=None, warning=None, freshenv=True)
        app.build()
    page = (tmp_path / "html" / "index.html").read_text(encoding="utf-8")
    assert re.findall(r'<img[^>]*src="_images/([^"]+)"', page) == [shown]


def chapter_notebooks() -> dict[int, Path]:
    found = {}
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        found[int(path.name[:2])] = path
    return found


def figure_directives(path: Path) -> dict[str, str]:
    """``{diagram name: options of its figure directive}`` in a notebook's markdown."""
    nb = nbformat.read(path, as_version=4)
    found = {}
    pattern = re.compile(r"[`:]{3,}\{figure\}\s+(\S+)\n((?:\s*:[^\n]*\n)*)")
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for target, options in pattern.findall(cell.source + "\n"):
            match = re.fullmatch(r"\.\./book/diagrams/([a-z0-9_]+)\.svg", target)
            if match:
                found[match.group(1)] = options
    return found


@pytest.mark.parametrize("diagram", DIAGRAMS, ids=lambda d: d.name)
def test_diagram_is_embedded_by_its_chapter(diagram):
    notebooks = chapter_notebooks()
    if diagram.chapter not in notebooks:
        pytest.skip(f"chapter {diagram.chapter} is not written yet")
    embedded = {}
    for path in notebooks.values():
        for name, options in figure_directives(path).items():
            embedded.setdefault(name, []).append((path.name, options))
    directive = f"```{{figure}} ../book/diagrams/{diagram.name}.svg"
    assert diagram.name in embedded, f"no chapter embeds it with {directive}"
    for notebook, options in embedded[diagram.name]:
        assert re.search(r":alt:\s*\S", options), (
            f"{notebook}: the figure of {diagram.name} has no :alt:"
        )
