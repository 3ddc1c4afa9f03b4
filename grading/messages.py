"""What the grader says to a student, in the language of the notebook they handed in.

A Korean exercise notebook (``ko/exercises``, made by ``attnbook._i18n``) carries
``metadata.attnbook.language = "ko"``: :func:`language_of` reads it. The grader's own messages to a
student (why a notebook was not graded, the page around it) are templates marked with :func:`N_`,
written in English; :func:`say` fills one in, in English or in Korean. The Korean texts are a GNU
gettext catalog, ``grading/locale/ko/LC_MESSAGES/grading.po``, read with Babel (tests/test_grading_messages.py
fails when a template has no Korean translation, or the catalog keeps one no template uses). The
instructor's CSV and logs stay in English.
"""

from __future__ import annotations

import functools
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = ROOT / "grading" / "locale"  # beside the code: not a page of the book
LANGUAGES = ("en", "ko")


def N_(template: str) -> str:
    """Mark ``template`` as a message to translate (the catalog's msgid); returns it unchanged."""
    return template


class Message(str):
    """An English message that keeps its template and values, so that a page can say it again in
    the student's language: ``Message(N_("... {name} ..."), name=...)``."""

    template: str
    values: dict

    def __new__(cls, template: str, **values) -> Message:
        text = super().__new__(cls, template.format(**values))
        text.template, text.values = template, values
        return text

    def record(self) -> dict:
        """What a status record keeps of it (JSON)."""
        return {"template": self.template, "values": self.values}


def language_of(nb) -> str:
    """``"ko"`` for a notebook of the Korean edition, else ``"en"``."""
    meta = nb.get("metadata", {}).get("attnbook", {}) if nb is not None else {}
    return "ko" if isinstance(meta, dict) and meta.get("language") == "ko" else "en"


@functools.lru_cache(maxsize=None)
def translations(language: str) -> dict[str, str]:
    """``{English template: translation}`` of ``grading/locale/<language>/LC_MESSAGES/grading.po``
    (translated, not fuzzy); ``{}`` for English."""
    if language == "en":
        return {}
    from babel.messages.pofile import read_po

    path = CATALOGS / language / "LC_MESSAGES" / "grading.po"
    with open(path, "rb") as handle:
        catalog = read_po(handle)
    return {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy}


def say(template: str, language: str = "en", **values) -> str:
    """``template`` in ``language``, filled with ``values`` (English where it has no translation).

    Raises:
        ValueError: ``language`` is not one of :data:`LANGUAGES`.
    """
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, got {language!r}")
    return translations(language).get(template, template).format(**values)


def say_again(message: str, recorded: dict | None, language: str) -> str:
    """A stored message in ``language``: its template and values when the record kept them (see
    :meth:`Message.record`), else the stored English text."""
    if not recorded:
        return message
    return say(recorded["template"], language, **recorded["values"])


def templates(folder: Path = ROOT / "grading") -> set[str]:
    """Every template marked with ``N_("...")`` in the grader's modules (read from their source)."""
    import ast

    found = set()
    for path in folder.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "N_"
                    and node.args and isinstance(node.args[0], ast.Constant)):
                found.add(node.args[0].value)
    return found


def update_catalog(language: str = "ko") -> Path:
    """Extract the templates (GNU ``xgettext``, keyword ``N_``) and merge them into
    ``grading/locale/<language>/LC_MESSAGES/grading.po`` (``msginit`` the first time, then ``msgmerge
    --previous``: a changed template becomes fuzzy, its old English kept). Returns the catalog.

    Raises:
        FileNotFoundError: GNU gettext is not installed (Debian: ``apt-get install gettext``).
        subprocess.CalledProcessError: a gettext tool failed.
    """
    import subprocess
    import tempfile

    catalog = CATALOGS / language / "LC_MESSAGES" / "grading.po"
    sources = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "grading").glob("*.py"))
    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / "grading.pot"
        subprocess.run(["xgettext", "--language=Python", "--keyword=N_", "--from-code=UTF-8", "--no-location",
                        "--sort-output", "--width=79", "--package-name=attnbook-grading", "-o", str(pot), *sources],
                       cwd=ROOT, check=True)
        if catalog.exists():
            subprocess.run(["msgmerge", "--quiet", "--previous", "--backup=none", "--no-location", "--width=79",
                            "--update", str(catalog), str(pot)], check=True)
        else:
            catalog.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run(["msginit", "--no-translator", f"--locale={language}", "--width=79", "-i", str(pot),
                            "-o", str(catalog)], check=True)
    translations.cache_clear()
    return catalog
