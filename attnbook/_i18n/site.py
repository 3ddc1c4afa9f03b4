"""The Korean site: the same book built by Sphinx's own i18n into ``_build/html/ko``, reading the
notebooks' outputs from the English build's execution cache."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

from attnbook._i18n.notebooks import korean_notebook_pairs
from attnbook._i18n.settings import LANGUAGE, LOCALE, ROOT, book_config
from attnbook._i18n.sphinx import run_sphinx


def korean_overrides(root: Path, toc: str = "_toc.yml") -> dict:
    config = book_config(root)
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
    code = run_sphinx(root, outdir, builder, korean_overrides(root, toc),
                  doctrees=outdir.parent / f".doctrees-{LANGUAGE}", log_path=log_path,
                  warnings_are_errors=warnings_are_errors)
    text = log_path.read_text(encoding="utf-8", errors="replace")
    executed = re.findall(r"Executed notebook in", text)
    cached = re.findall(r"Using cached notebook", text)
    sys.stdout.write(text[-3000:] if code else "")
    log(f"Korean site: {outdir} (exit {code}); notebooks from the cache: {len(cached)}, "
        f"executed: {len(executed)} (log: {log_path})")
    for english, korean, _page in korean_notebook_pairs(root):
        source = outdir / "_sources" / english.relative_to(root)
        if korean.exists() and source.exists():
            shutil.copyfile(korean, source)
    if executed:
        log("the Korean build executed a notebook: the English build must run first "
            "(make book) and cache every notebook")
        return 1
    return code
