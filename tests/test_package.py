"""The package's shape: importing it changes nothing global, and no hand-written module is long."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

from attnbook import _export

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "attnbook"


def _stubs_after(code: str) -> list[str]:
    """The names that ``sys.modules`` maps to ``None`` (an import blocked on purpose) after
    running ``code`` in a fresh interpreter."""
    probe = code + "\nimport json, sys\nprint(json.dumps(sorted(k for k, v in sys.modules.items() if v is None)))\n"
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True,
                            check=True)
    return json.loads(result.stdout.splitlines()[-1])


def test_importing_the_learners_package_leaves_no_stub_in_sys_modules():
    assert _stubs_after("import attnbook") == []
    learner_modules = sorted(p.stem for p in PACKAGE.glob("*.py") if not p.stem.startswith("_"))
    learner_modules += sorted(p.name for p in PACKAGE.iterdir()
                              if (p / "__init__.py").exists() and not p.name.startswith("_"))
    imports = "\n".join(f"import attnbook.{name}" for name in learner_modules)
    assert _stubs_after(imports) == []


def test_no_hand_written_module_is_over_500_lines():
    long = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if text.startswith(_export.HEADER):
            continue  # generated from the chapters: their length is the chapters' business
        lines = text.count("\n")
        if lines > 500:
            long[path.relative_to(ROOT).as_posix()] = lines
    assert long == {}


def test_masks_is_generated_and_imports_only_torch_and_the_checks():
    """One module for masks, generated from the chapters (1, 3, 4, 7, 8), that no chapter's later
    module is needed to import: no import circles."""
    text = (PACKAGE / "masks.py").read_text(encoding="utf-8")
    assert text.startswith(_export.HEADER)
    imported = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported |= {f"{node.module}.{alias.name}" if node.module == "attnbook" else node.module
                         for alias in node.names}
    assert imported == {"torch", "attnbook.checks"}
