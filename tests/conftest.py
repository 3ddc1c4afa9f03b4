"""Shared test set-up: find the offline data mirror when the Makefile has not named it."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_SHARED = ROOT.parent / "shared" / "data"

if "ATTNBOOK_DATA" not in os.environ and _SHARED.is_dir():
    os.environ["ATTNBOOK_DATA"] = str(_SHARED)
