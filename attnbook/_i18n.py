"""The Korean edition: catalogs, Korean notebooks, the Korean site and the translation report.

The standard tools, no format of our own:

- Sphinx's ``gettext`` builder writes one ``.pot`` per page from the English sources
  (jupyter-book's own ``build_sphinx``, the function behind ``jupyter-book build --builder
  custom --custom-builder gettext``, with notebook execution off: it never executes a
  notebook). The assignments (``exercises/NN_name/NN_name.ipynb``) get theirs from the same
  build: they are added to its table of contents in a part without a caption.
- GNU ``msgmerge --previous`` merges each ``.pot`` into ``locale/ko/LC_MESSAGES/<page>.po``
  (``msginit`` creates a missing one): a changed English paragraph becomes *fuzzy*, its old
  English kept beside it (``#| msgid``) for the translator.
- The Korean site is the same book built by Sphinx's own i18n (``language: ko``,
  ``locale_dirs: [locale]``) into ``_build/html/ko/``, reading the notebooks' outputs from the
  English build's execution cache (``nb_execution_cache_path``): it executes no notebook
  (``build`` counts myst-nb's "Executing" lines in its log and fails on one).
- ``ko/notebooks/NN_name.ipynb`` and ``ko/exercises/NN_name/NN_name.ipynb`` are the English
  notebooks with each markdown paragraph, heading, list item or caption replaced by its
  translation where the catalog has one that is not fuzzy (else it stays English); code cells
  are copied as they are.

Usage::

    python -m attnbook._i18n update      # .pot from the English, msgmerge into the .po
    python -m attnbook._i18n notebooks   # write ko/notebooks and ko/exercises from the .po
    python -m attnbook._i18n report [--strict] [PAGE ...]
    python -m attnbook._i18n build       # the Korean site, _build/html/ko (after the English)
    python -m attnbook._i18n build --builder singlehtml   # the page the Korean PDF prints

``report --strict`` exits 1 when a page marked complete (``COMPLETE``) has a fuzzy or an
untranslated message, or a translation breaks a role, link, glue key, math or inline code of
its English (``check_message``).
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parent.parent
LANGUAGE = "ko"
LOCALE = "locale"
KO = "ko"  # the Korean notebooks' folder
# Catalogs of locale/ko/LC_MESSAGES that are no page's: the Korean of the templates' strings,
# "sphinx" (pydata-sphinx-theme's, read by Sphinx before its own) and "booktheme"
# (sphinx-book-theme's, read by book/_ext/attnbook_i18n.py). Written by hand, not merged.
THEME_CATALOGS = ("sphinx", "booktheme")
# The pages whose translation is finished: `report --strict` (and tests/test_i18n.py) hold
# them to 0 fuzzy and 0 untranslated messages. Add a page here when its translation is done.
COMPLETE = (
    "book/intro",
    "book/setup",
    "book/data",
    "book/references",
    "book/instructors",
)
# Execution off, one catalog per page, no line numbers (they change with every edit) and a
# fixed date in the .pot header (SOURCE_DATE_EPOCH), so that regenerating changes nothing.
GETTEXT_OVERRIDES = {
    "nb_execution_mode": "off",
    "gettext_compact": False,
    "gettext_location": False,
    "gettext_uuid": False,
}


def catalog_dir(root: Path = ROOT) -> Path:
    return root / LOCALE / LANGUAGE / "LC_MESSAGES"


def _jb_config(root: Path) -> dict:
    return yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))


def _toc(root: Path) -> dict:
    return yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))


def exercise_notebooks(root: Path = ROOT) -> list[Path]:
    """The assignments given to students, ``exercises/NN_name/NN_name.ipynb``."""
    return sorted(p for p in (root / "exercises").glob("*/*.ipynb")
                  if p.stem == p.parent.name)


def chapter_notebooks(root: Path = ROOT) -> list[Path]:
    from attnbook._export import toc_notebooks

    return [p for p in toc_notebooks(root) if p.suffix == ".ipynb"]


@contextlib.contextmanager
def _quiet_output(log_path: Path | None):
    """Send Sphinx's status and warnings (it writes to sys.stdout / sys.stderr) to a file."""
    if log_path is None:
        yield
        return
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w", encoding="utf-8") as log, \
            contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
        yield


def _build(root: Path, outdir: Path, builder: str, overrides: dict, doctrees: Path,
           log_path: Path | None = None, warnings_are_errors: bool = False,
           fresh: bool = False) -> int:
    from jupyter_book.sphinx import build_sphinx

    with _quiet_output(log_path):
        result = build_sphinx(
            root, outdir, path_config=str(root / "_config.yml"), noconfig=True,
            confoverrides={"latex_individualpages": False, **overrides},
            doctreedir=doctrees, builder=builder, freshenv=fresh,
            warningiserror=warnings_are_errors, keep_going=True,
        )
    if isinstance(result, Exception):
        raise result
    return int(result)


def make_pot(root: Path = ROOT, outdir: Path | None = None, log=print) -> Path:
    """Write one ``.pot`` per page and assignment into ``outdir`` (default
    ``_build/gettext``) with Sphinx's gettext builder; execute nothing. Return ``outdir``."""
    root = Path(root).resolve()
    outdir = Path(outdir or root / "_build" / "gettext").resolve()
    work = root / "_build" / "i18n"
    work.mkdir(parents=True, exist_ok=True)
    toc = _toc(root)
    exercises = [p.relative_to(root).with_suffix("").as_posix()
                 for p in exercise_notebooks(root)]
    if exercises:  # a part named like the first one: no new message in the root's catalog
        caption = (toc.get("parts") or [{}])[0].get("caption", "Chapters")
        toc.setdefault("parts", []).append(
            {"caption": caption, "chapters": [{"file": e} for e in exercises]})
    (work / "_toc.gettext.yml").write_text(yaml.safe_dump(toc, sort_keys=False),
                                           encoding="utf-8")
    excludes = [p for p in _jb_config(root).get("exclude_patterns", [])
                if not p.startswith("exercises")]
    if outdir.exists():
        shutil.rmtree(outdir)  # a page that is gone leaves no .pot behind
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = "0"
    try:
        code = _build(root, outdir, "gettext", {
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


# Reading catalogs ---------------------------------------------------------------------------
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


# What a translation must keep ---------------------------------------------------------------
# A backtick span, read left to right: a role when `{name}` comes right before it, else inline
# code (so the `{n}` of `y_{n}` inside code is not taken for a role).
_SPAN = re.compile(r"(?:\{([\w:.-]+)\})?`([^`]*)`")
_MATH = re.compile(r"(?<![\\$])\$\$?([^$]+)\$\$?")
_CODE = re.compile(r"(?<![`}])`([^`]+)`")
_LINK = re.compile(r"\]\(([^)\s]+)\)|<(https?://[^>\s]+)>")
_GLUE_ROLES = ("glue:text", "glue:", "glue", "glue:md", "glue:any")
# A particle whose form depends on the last sound of the word before it (KOREAN.md, style 5).
_PARTICLES = ("은", "는", "이", "가", "을", "를", "와", "과", "으로", "로", "이나", "나",
              "이라고", "라고")


def _roles(text: str) -> list[tuple[str, str]]:
    """The ``{name}`content``` roles of a message, as (name, content), outside inline code."""
    return [(name, content) for name, content in _SPAN.findall(text) if name]


def _glue_key(content: str) -> str:
    """``NN_name.ipynb::key:.1%`` -> ``key:.1%`` (the document part is where the key is)."""
    return content.split("::", 1)[1] if "::" in content else content


def placeholders(text: str) -> dict[str, list[str]]:
    """The parts of a message a translation must keep, each sorted: roles with their
    targets (a ``{term}`` may show other words: only its target counts), glued keys with
    their format, math, inline code and link targets."""
    roles, glues = [], []
    for name, content in _roles(text):
        if name in _GLUE_ROLES:
            glues.append(f"{name}:{_glue_key(content)}")
        else:
            target = content.rsplit("<", 1)[1].rstrip(">") if content.endswith(">") and "<" in content else content
            roles.append(f"{name}:{target}")
    rest = _SPAN.sub(lambda m: " " if m.group(1) else m.group(0), text)
    return {
        "roles": sorted(roles),
        "glue": sorted(glues),
        "math": sorted(m.strip() for m in _MATH.findall(rest)),
        "code": sorted(_CODE.findall(_MATH.sub(" ", rest))),
        # a link into the repository may open the Korean copy (…/blob/main/ko/exercises/…)
        "links": sorted(re.sub(r"(/blob/[^/]+/)ko/", r"\1", a or b)
                        for a, b in _LINK.findall(rest)),
    }


def check_message(msgid: str, msgstr: str, page: str = "") -> list[str]:
    """What the translation ``msgstr`` breaks of ``msgid``: a role, link target, glue key,
    math or inline code changed or dropped; a glue reference without its notebook
    (``NN_name.ipynb::key``: Sphinx renders a translated plain key empty); a glued value
    followed directly by a particle whose form depends on the number; bold or emphasis that
    will not render; a numbered heading "3. ..." not written "3\\. ...". Empty: fine."""
    problems = []
    want, got = placeholders(msgid), placeholders(msgstr)
    for kind in want:
        if want[kind] != got[kind]:
            problems.append(f"{kind} differ: English {want[kind]}, Korean {got[kind]}")
    for name, content in _roles(msgstr):
        if name in _GLUE_ROLES and "::" not in content:
            problems.append(f"{{{name}}}`{content}` needs its notebook: "
                            f"`{{{name}}}`NN_name.ipynb::{content}`")
    problems += glue_particles(msgstr)
    # CommonMark: a closing ** or * after punctuation must not be followed by a letter, so
    # "**어텐션(attention)**을" stays literal asterisks (KOREAN.md: the parenthesis outside).
    for match in re.finditer(r"(\*\*?)(?=\S)[^*\n]*?[^\w\s*]\1(?=\w)", msgstr):
        problems.append(f"{match.group(0)!r}: emphasis ending in punctuation right before a "
                        "letter does not render; move the punctuation out or add a space")
    # A message that is a whole "3. Title" parses as a list unless written "3\. Title".
    if re.match(r"\d+[.)] ", msgid) and re.match(r"\d+[.)] ", msgstr):
        problems.append(f"{msgstr[:20]!r}...: write the number as `{msgstr.split()[0][:-1]}\\"
                        f"{msgstr.split()[0][-1]}` (else Sphinx keeps the English)")
    return problems


def glue_particles(text: str) -> list[str]:
    """Glued values followed directly by a particle whose form depends on the number's
    last sound (은/는, 이/가, 을/를, 와/과, (으)로, (이)나, (이)라고)."""
    found = []
    for match in re.finditer(r"\{glue(?::\w*)?\}`[^`]*`(\S*)", text):
        after = match.group(1)
        for particle in sorted(_PARTICLES, key=len, reverse=True):
            if after.startswith(particle):
                found.append(f"a particle right after a glued value: {match.group(0)!r}")
                break
    return found


# Korean notebooks ---------------------------------------------------------------------------
_PREFIX = r"(?P<prefix>^[ \t]*(?:>[ \t]*)*(?:(?:[-*+]|\d+[.)])[ \t]+|#{1,6}[ \t]+|:alt:[ \t]*)?)"


def _pattern(msgid: str) -> re.Pattern:
    words = [re.escape(w) for w in msgid.split()]
    return re.compile(_PREFIX + r"\s+".join(words) + r"[ \t]*$",
                      re.MULTILINE)


def translate_markdown(source: str, translated: dict[str, str], notebook: str = "") -> tuple[str, int]:
    """``source`` with every message of ``translated`` that fills whole lines of it (a
    paragraph, a heading, a list item, a caption, an ``:alt:``) replaced by its
    translation; return it and the number replaced. A glue reference to this notebook
    (``notebook::key``, as the translated site needs it) is written back as ``key``."""
    count = 0
    for msgid in sorted(translated, key=len, reverse=True):
        pattern = _pattern(msgid)
        if not pattern.search(source):
            continue
        msgstr = translated[msgid]
        if notebook:
            msgstr = msgstr.replace(f"`{notebook}::", "`")
        source, n = pattern.subn(lambda m: m.group("prefix") + msgstr, source)
        count += n
    return source, count


def korean_notebook(path: Path, catalog: Catalog | None, notebook: str) -> tuple[nbformat.NotebookNode, int]:
    """The Korean version of the notebook at ``path``: markdown cells translated by
    ``catalog`` (untranslated and fuzzy messages stay English; a markdown cell locked by
    nbgrader stays as it is: its checksum covers its text), code cells untouched."""
    nb = nbformat.read(path, as_version=4)
    translated = catalog.translated if catalog else {}
    count = 0
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        if cell.get("metadata", {}).get("nbgrader", {}).get("locked"):
            continue
        cell.source, n = translate_markdown(cell.source, translated, notebook)
        count += n
    nb.metadata["language_info"] = nb.metadata.get("language_info", {})
    return nb, count


def korean_notebook_pairs(root: Path = ROOT) -> list[tuple[Path, Path, str]]:
    """(English notebook, Korean notebook, page) for every chapter and assignment."""
    pairs = []
    for path in chapter_notebooks(root) + exercise_notebooks(root):
        rel = path.relative_to(root)
        pairs.append((path, root / KO / rel, rel.with_suffix("").as_posix()))
    return pairs


def korean_notebook_text(english: Path, page: str, cats: dict[str, Catalog]) -> str:
    nb, _ = korean_notebook(english, cats.get(page), english.name)
    return nbformat.writes(nb) + "\n"


def write_notebooks(root: Path = ROOT, log=print) -> list[Path]:
    """Write ``ko/notebooks`` and ``ko/exercises`` from the catalogs."""
    root = Path(root).resolve()
    cats = catalogs(root)
    written = []
    for english, korean, page in korean_notebook_pairs(root):
        text = korean_notebook_text(english, page, cats)
        korean.parent.mkdir(parents=True, exist_ok=True)
        if not korean.exists() or korean.read_text(encoding="utf-8") != text:
            korean.write_text(text, encoding="utf-8")
            log(f"{korean.relative_to(root)}: written")
        written.append(korean)
    return written


# The report ---------------------------------------------------------------------------------
def report(root: Path = ROOT, pages: list[str] | None = None, strict: bool = False,
           log=print) -> int:
    """Print translated / fuzzy / untranslated counts per page and the problems of the
    translations; return 1 when ``strict`` and a page of ``COMPLETE`` (or of ``pages``)
    is not entirely translated, or any translation has a problem."""
    cats = catalogs(root)
    must = set(pages or COMPLETE)
    failed = False
    log(f"{'page':42} {'translated':>10} {'fuzzy':>6} {'untransl.':>9}  status")
    for page, cat in cats.items():
        problems = [f"{msgid[:60]!r}: {p}" for msgid, msgstr in cat.translated.items()
                    for p in check_message(msgid, msgstr, page)]
        done = not cat.fuzzy and not cat.untranslated
        status = "complete" if done else ("required" if page in must else "in progress")
        if page in must and not done or problems:
            failed = True
        log(f"{page:42} {len(cat.translated):10} {len(cat.fuzzy):6} "
            f"{len(cat.untranslated):9}  {status}")
        for problem in problems:
            log(f"    {problem}")
    missing = must - set(cats)
    for page in sorted(missing):
        log(f"{page}: no catalog")
        failed = True
    return 1 if strict and failed else 0


# The Korean site ----------------------------------------------------------------------------
def korean_overrides(root: Path, toc: str = "_toc.yml") -> dict:
    config = _jb_config(root)
    cache = root / "_build" / ".jupyter_cache"
    base = (config.get("html", {}) or {}).get("baseurl", "")
    overrides = {
        "language": LANGUAGE,
        "locale_dirs": [str(root / LOCALE)],
        "gettext_compact": False,
        "external_toc_path": toc,
        "nitpicky": True,  # as `jupyter-book build -n`
        # the English build's cache: a second folder would get a cache of its own
        "nb_execution_cache_path": str(cache),
    }
    if base:
        overrides["html_baseurl"] = base.rstrip("/") + f"/{LANGUAGE}/"
    return overrides


def build_site(root: Path = ROOT, warnings_are_errors: bool = True, log=print,
               toc: str = "_toc.yml", outdir: Path | None = None,
               builder: str = "html") -> int:
    """Build the Korean site into ``_build/html/ko`` from the English sources and the
    catalogs, the notebooks' outputs read from ``_build/.jupyter_cache``. Fails when the
    log shows that a notebook was executed. The Korean notebooks are what the site's
    download buttons give (``_sources/``). ``toc`` (relative to ``root``) builds a part
    of the book (the tests build the book pages only: nothing to execute)."""
    root = Path(root).resolve()
    default = root / "_build" / ("html" if builder == "html" else builder) / LANGUAGE
    outdir = Path(outdir or default)
    log_path = outdir.parent / f".{LANGUAGE}-{builder}-build.log"
    code = _build(root, outdir, builder, korean_overrides(root, toc),
                  doctrees=outdir.parent / f".doctrees-{LANGUAGE}", log_path=log_path,
                  warnings_are_errors=warnings_are_errors)
    text = log_path.read_text(encoding="utf-8", errors="replace")
    executed = re.findall(r"Executed notebook in", text)
    cached = re.findall(r"Using cached notebook", text)
    sys.stdout.write(text[-3000:] if code else "")
    log(f"Korean site: {outdir} (exit {code}); notebooks from the cache: {len(cached)}, "
        f"executed: {len(executed)} (log: {log_path})")
    for english, korean, page in korean_notebook_pairs(root):
        source = outdir / "_sources" / english.relative_to(root)
        if korean.exists() and source.exists():
            shutil.copyfile(korean, source)
    if executed:
        log("the Korean build executed a notebook: the English build must run first "
            "(make book) and cache every notebook")
        return 1
    return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("pot", help="write the .pot files (_build/gettext)")
    sub.add_parser("update", help=".pot files, then msgmerge into locale/ko/LC_MESSAGES")
    sub.add_parser("notebooks", help="write ko/notebooks and ko/exercises from the catalogs")
    rep = sub.add_parser("report", help="translated / fuzzy / untranslated per page")
    rep.add_argument("--strict", action="store_true",
                     help="exit 1 unless the complete pages (or PAGES) are fully translated")
    rep.add_argument("pages", nargs="*")
    build = sub.add_parser("build", help="the Korean site, _build/html/ko")
    build.add_argument("--allow-warnings", action="store_true")
    build.add_argument("--toc", default="_toc.yml",
                       help="a table of contents relative to the book (default: _toc.yml)")
    build.add_argument("--outdir", type=Path, default=None,
                       help="default: _build/html/ko (_build/singlehtml/ko)")
    build.add_argument("--builder", default="html", choices=["html", "singlehtml"],
                       help="singlehtml: the one page the Korean PDF is printed from")
    args = parser.parse_args(argv)
    log = lambda line: print(line, flush=True)  # noqa: E731
    if args.command == "pot":
        make_pot(ROOT, log=log)
    elif args.command == "update":
        merge_catalogs(ROOT, make_pot(ROOT, log=log), log=log)
    elif args.command == "notebooks":
        write_notebooks(ROOT, log=log)
    elif args.command == "report":
        return report(ROOT, args.pages, args.strict, log=log)
    elif args.command == "build":
        return build_site(ROOT, not args.allow_warnings, log=log, toc=args.toc,
                          outdir=args.outdir, builder=args.builder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
