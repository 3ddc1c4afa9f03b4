"""The translation report: translated, fuzzy and untranslated messages per page."""

from __future__ import annotations

from pathlib import Path

from attnbook._i18n.catalogs import catalogs
from attnbook._i18n.messages import check_message
from attnbook._i18n.settings import COMPLETE, ROOT


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
