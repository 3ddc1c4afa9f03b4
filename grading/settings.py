"""What ``python -m grading grade`` can be told (standard library only, so the command line starts fast)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def default_work_dir() -> Path:
    return Path(os.environ.get("ATTNBOOK_GRADING_DIR", "~/.local/share/attnbook-grading")).expanduser().resolve()


@dataclass
class Settings:
    """Everything ``grade`` can be told; the command line maps onto these one to one."""

    course_root: Path = ROOT
    work_dir: Path = field(default_factory=default_work_dir)
    grades_dir: Path | None = None          # default: <course_root>/grades
    cell_timeout: int = 30                   # seconds per cell (the kernel is interrupted)
    notebook_timeout: int = 300              # seconds for a whole notebook
    hard_margin: int = 90                    # a grading process still alive this long after that is killed
    jobs: int = max(1, os.cpu_count() or 1)
    sandbox: str = "auto"                    # auto: use bwrap if it works; require: fail without; off
    memory_limit: int = 8 << 30              # address space of a kernel, bytes (0: no limit)
    max_output_chars: int = 20_000           # stream output kept per cell
    feedback: bool = True
    quiet: bool = False

    def __post_init__(self):
        self.course_root = Path(self.course_root).resolve()
        self.work_dir = Path(self.work_dir).expanduser().resolve()
        self.grades_dir = Path(self.grades_dir or self.course_root / "grades").resolve()
        if self.sandbox not in ("auto", "require", "off"):
            raise ValueError(f"sandbox must be 'auto', 'require' or 'off', not {self.sandbox!r}")
