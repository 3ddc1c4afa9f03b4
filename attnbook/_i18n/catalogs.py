"""The catalogs: ``.pot`` files from the English sources (Sphinx's gettext builder), merged
into ``locale/ko/LC_MESSAGES/<page>.po`` (``msginit``, ``msgmerge --previous``), and read back."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from attnbook._i18n.settings import (
    KO,
    LANGUAGE,
    LOCALE,
    ROOT,
    THEME_CATALOGS,
    book_config,
    book_toc,
    catalog_dir,
    exercise_notebooks,
)
from attnbook._i18n.sphinx import run_sphinx

# Execution off, one catalog per page, no line numbers (they change with every edit) and a
# fixed date in the .pot header (SOURCE_DATE_EPOCH), so that regenerating changes nothing.
GETTEXT_OVERRIDES = {
    "nb_execution_mode": "off",
    "gettext_compact": False,
    "gettext_location": False,
    "gettext_uuid": False,
}


def make_pot(root: Path = ROOT, outdir: Path | None = None, log=print) -> Path:
    """Write one ``.pot`` per page and assignment into ``outdir`` (default
    ``_build/gettext``) with Sphinx's gettext builder; execute nothing. Return ``outdir``."""
    root = Path(root).resolve()
    outdir = Path(outdir or root / "_build" / "gettext").resolve()
    work = root / "_build" / "i18n"
    work.mkdir(parents=True, exist_ok=True)
    toc = book_toc(root)
    exercises = [p.relative_to(root).with_suffix("").as_posix()
                 for p in exercise_notebooks(root)]
    if exercises:  # a part named like the first one: no new message in the root's catalog
        caption = (toc.get("parts") or [{}])[0].get("caption", "Chapters")
        toc.setdefault("parts", []).append(
            {"caption": caption, "chapters": [{"file": e} for e in exercises]})
    (work / "_toc.gettext.yml").write_text(yaml.safe_dump(toc, sort_keys=False),
                                           encoding="utf-8")
    excludes = [p for p in book_config(root).get("exclude_patterns", [])
                if not p.startswith("exercises")]
    if outdir.exists():
        shutil.rmtree(outdir)  # a page that is gone leaves no .pot behind
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = "0"
    try:
        code = run_sphinx(root, outdir, "gettext", {
            **GETTEXT_OVERRIDES,
            "external_toc_path": (work / "_toc.gettext.yml").relative_to(root).as_posix(),
            "exclude_patterns": excludes + ["_build", "**.ipynb_checkpoints", KO, LOCALE],
        }, doctrees=work / "doctrees-gettext", log_path=work / "gettext.log", fresh=True)
    finally:
        if old is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old
    if code:
        raise RuntimeError(f"the gettext build failed (exit {code}): see {work / 'gettext.log'}")
    pots = sorted(outdir.rglob("*.pot"))
    log(f"{len(pots)} .pot files in {outdir.relative_to(root) if outdir.is_relative_to(root) else outdir}")
    return outdir


def merge_catalogs(root: Path = ROOT, potdir: Path | None = None, log=print) -> list[Path]:
    """Create (``msginit``) or update (``msgmerge --previous``) ``locale/ko/LC_MESSAGES/
    <page>.po`` from each ``.pot``. Return the catalogs written."""
    root = Path(root).resolve()
    potdir = Path(potdir or root / "_build" / "gettext")
    written = []
    for pot in sorted(potdir.rglob("*.pot")):
        page = pot.relative_to(potdir).with_suffix("")
        if page.as_posix() == "sphinx":  # the templates' strings: the theme translates them
            continue
        po = catalog_dir(root) / page.with_suffix(".po")
        po.parent.mkdir(parents=True, exist_ok=True)
        if not po.exists():
            subprocess.run(["msginit", "--no-translator", "--locale", LANGUAGE,
                            "--input", str(pot), "--output-file", str(po)],
                           check=True, capture_output=True, text=True)
            log(f"{po.relative_to(root)}: created")
        else:
            subprocess.run(["msgmerge", "--quiet", "--previous", "--backup=none",
                            "--update", str(po), str(pot)], check=True,
                           capture_output=True, text=True)
        written.append(po)
    return written


@dataclass
class Catalog:
    page: str
    translated: dict[str, str] = field(default_factory=dict)  # msgid -> msgstr (not fuzzy)
    fuzzy: list[str] = field(default_factory=list)
    untranslated: list[str] = field(default_factory=list)

    @property
    def msgids(self) -> set[str]:
        return set(self.translated) | set(self.fuzzy) | set(self.untranslated)


def read_catalog(path: Path, page: str = "") -> Catalog:
    """The current (not obsolete) messages of a ``.po`` file, by state."""
    from babel.messages.pofile import read_po

    with open(path, "rb") as handle:
        catalog = read_po(handle)
    result = Catalog(page)
    for message in catalog:
        if not message.id or isinstance(message.id, tuple):
            continue
        if message.fuzzy:
            result.fuzzy.append(message.id)
        elif message.string:
            result.translated[message.id] = message.string
        else:
            result.untranslated.append(message.id)
    return result


def read_pot_ids(path: Path) -> list[str]:
    from babel.messages.pofile import read_po

    with open(path, "rb") as handle:
        return [m.id for m in read_po(handle) if m.id and not isinstance(m.id, tuple)]


def catalogs(root: Path = ROOT) -> dict[str, Catalog]:
    """Every committed catalog, by page (``book/intro``, ``notebooks/01_rnn_lstm``...);
    not the themes' catalogs (``THEME_CATALOGS``)."""
    base = catalog_dir(root)
    pages = {po.relative_to(base).with_suffix("").as_posix(): po
             for po in sorted(base.rglob("*.po"))}
    return {page: read_catalog(po, page) for page, po in pages.items()
            if page not in THEME_CATALOGS}
