"""``python -m attnbook._i18n <command>``: the commands of the Korean edition."""

from __future__ import annotations

import argparse
from pathlib import Path

import attnbook._i18n as _i18n
from attnbook._i18n.catalogs import make_pot, merge_catalogs
from attnbook._i18n.notebooks import write_notebooks
from attnbook._i18n.report import report
from attnbook._i18n.settings import ROOT
from attnbook._i18n.site import build_site


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m attnbook._i18n",
                                     description=_i18n.__doc__.splitlines()[0])
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
