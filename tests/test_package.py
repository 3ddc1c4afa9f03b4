"""The package's shape: importing it changes nothing global, no hand-written module is long, no
module imports itself through others (an import circle), and the linter finds nothing."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

from attnbook import _export

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "attnbook"
PACKAGES = ("attnbook", "grading")  # the course's own Python packages


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
    for path in sorted(p for name in PACKAGES for p in (ROOT / name).rglob("*.py")):
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


def module_imports() -> dict[str, set[str]]:
    """``{module: the course modules it imports}`` for every module of :data:`PACKAGES`, read from
    the source (imports inside functions included, ``from . import x`` resolved)."""
    files = {}
    for name in PACKAGES:
        for path in (ROOT / name).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            files[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph = {}
    for module, path in files.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    above = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(above + ([base] if base else []))
                targets.add(base)
                targets.update(f"{base}.{alias.name}" for alias in node.names)  # from pkg import module
        found = set()
        for target in targets:
            while target and target not in files:  # a name inside a module: the module
                target = target.rpartition(".")[0]
            if target and target != module:
                found.add(target)
        graph[module] = found
    return graph


def import_circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for target in sorted(graph[module]):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while not component or component[-1] != module:
                component.append(stack.pop())
            if len(component) > 1:
                circles.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return sorted(circles)


def test_the_circle_finder_finds_circles():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e2"}, "e2": set()}
    assert import_circles(graph) == [["a", "b", "c"]]
    graph = module_imports()
    assert "attnbook.transformer" in graph["attnbook.attention"] or \
        "attnbook.attention" in graph["attnbook.transformer"]
    assert "grading.records" in graph["grading.install_check"]  # from .records import ...
    assert "attnbook.gpt2_weights" in graph["attnbook.gpt"]          # the graph sees imports
    assert "attnbook.gpt" not in graph["attnbook.gpt2_weights"]     # it takes GPT as an argument


def test_no_import_circle_among_the_course_modules():
    """A module never imports, directly or through others, a module that imports it: plumbing
    (torch_compat, checks, ...) never imports chapter code, the grader's parts form layers."""
    circles = import_circles(module_imports())
    assert circles == [], "import circles: " + "; ".join(" <-> ".join(c) for c in circles)


def ruff_findings() -> set[tuple[str, str]]:
    """``{(file, rule)}`` that ``ruff check attnbook grading tests benchmarks`` reports (settings:
    pyproject.toml's [tool.ruff]; ruff is pinned in requirements.txt)."""
    command = [sys.executable, "-m", "ruff", "check", "--output-format", "json", "--no-cache",
               "attnbook", "grading", "tests", "benchmarks"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert result.returncode in (0, 1), f"ruff did not run (pip install -r requirements.txt?): {result.stderr}"
    return {(Path(f["filename"]).relative_to(ROOT).as_posix(), f["code"]) for f in json.loads(result.stdout)}


def test_the_linter_finds_nothing():
    """``make lint``: pyflakes, pycodestyle, isort and bugbear, as configured in pyproject.toml."""
    command = "python -m ruff check attnbook grading tests benchmarks"
    assert sorted(ruff_findings()) == [], f"`{command}` (then fix what it shows)"


def test_code_is_pasted_as_code_in_either_edition():
    """``attnbook.glue.Code``: Markdown code spans for the English page's ``{glue:md}``, HTML
    ``<code>`` (escaped) for the Korean page's ``{glue}``; several texts joined by ``sep``."""
    import pytest

    from attnbook.glue import Code

    one = Code("j ' ai")
    assert one._repr_markdown_() == "`j ' ai`" and repr(one) == "j ' ai"
    assert one._repr_html_() == '<code class="docutils literal notranslate">j &#x27; ai</code>'
    two = Code("je t' aime .", "<moi>")
    assert two._repr_markdown_() == "`je t' aime .` / `<moi>`"
    assert two._repr_html_().count("<code") == 2 and "&lt;moi&gt;" in two._repr_html_()
    for bad in ((), (3,)):
        with pytest.raises(TypeError, match="expected one or more strings"):
            Code(*bad)
