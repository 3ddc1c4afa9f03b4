"""A handed-in notebook, before nbgrader grades it: found, refused, completed, flagged.

- :func:`find_submissions`: ``{student: notebook}`` of a submissions folder (ids NFC-normalised);
  a bad id, two submissions for one id, or a folder of several notebooks fail that student only.

- :func:`refusal`: why the file cannot be graded at all ('' when it can): not a notebook, the
  notebook of another assignment, nbgrader metadata that was edited. Such a student gets a
  ``failed: <reason>`` row and a feedback page that says it; the rest of the class is graded.
- :func:`restore_missing`: test cells (and the set-up cell) deleted from the submission are put
  back from the student version, after the cell that precedes them there (at the end when none
  of the earlier cells is left, as in a fresh notebook). nbgrader then restores their hidden
  tests as it does for every locked cell; the student notebook's promise ("they are restored
  anyway") holds. (nbgrader 0.9's own ``OverwriteCells.add_missing_cells`` fails with a KeyError
  when the cell before a missing one is missing too, as in a fresh notebook.)
- :func:`flags`: per question, answer cells that reassign a set-up name, assign to an attribute of
  an imported module (``torch.*``, ``nn.*``, ``F.*``, ``builtins``), use ``sys.modules``,
  ``get_ipython()`` (IPython magics included), ``exec``/``eval``/``globals()``/``__import__``.
  The tests are protected from these (``grading/guard.py``); the flag tells the instructor to look.
  Also the primitives of tampering *during* a test cell, where the guard cannot reach (the learner's
  function runs inside the test): ``setattr``/``delattr`` on anything but ``self``, ``getattr`` on a
  module with a computed name, a function the set-up's ``*FORBIDDEN`` tuple lists (by attribute,
  import or literal ``getattr``), tensor subclasses and ``__torch_function__``, tracers and
  profilers, frames (``_getframe``, ``f_back``, ``f_locals``...), ``__builtins__``, and the modules
  ``gc``, ``inspect``, ``ctypes`` and ``signal``. The book's table of flags says what each means.
"""

from __future__ import annotations

import ast
import copy
import hashlib
import re
import unicodedata
from pathlib import Path

import nbformat

from . import assignments
from .messages import N_, Message
from .report import first_line

STUDENT_ID = re.compile(r"^[^\W_][\w.@+-]{0,63}$")  # Unicode letters and digits (NFC), then . _ @ + -


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def find_submissions(folder: Path, assignment: str) -> dict[str, Path | str]:
    """``{student: notebook path, or why that student's submission cannot be graded}``.

    Accepted layouts: ``<student>.ipynb``; ``<student>/<any>.ipynb`` or
    ``<student>/<assignment>/<assignment>.ipynb`` (nbgrader's collect layout) with one notebook,
    or several of which one is ``<assignment>.ipynb`` (other files are ignored). Ids are
    NFC-normalised; a bad id or two submissions with one id fail for that student only."""
    found: dict[str, Path | str] = {}
    names: dict[str, list[str]] = {}
    for entry in sorted(Path(folder).iterdir()):
        if entry.name.startswith(".") or entry.name in ("__MACOSX",):
            continue
        if entry.is_file() and entry.suffix == ".ipynb":
            sid, path = entry.stem, entry
        elif entry.is_dir():
            sid = entry.name
            notebooks = sorted(p for p in entry.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
            preferred = [p for p in notebooks if p.stem == assignment]
            if len(notebooks) == 1 or len(preferred) == 1:
                path = (preferred or notebooks)[0]
            else:
                path = f"{len(notebooks)} notebooks in {entry.name}/ (expected one, ideally {assignment}.ipynb)"
        else:
            continue
        sid = unicodedata.normalize("NFC", sid)
        names.setdefault(sid, []).append(entry.name + ("/" if entry.is_dir() else ""))
        if not STUDENT_ID.match(sid):
            path = (f"the student id {sid!r} (from {entry.name}) must be letters and digits, then letters, "
                    "digits and . _ @ + - (at most 64, no spaces): rename the file and grade it again")
        found[sid] = path if len(names[sid]) == 1 else f"two submissions for {sid}: {' and '.join(names[sid])}"
    return found


def read_notebook(path: Path):
    """(notebook, '') when the file is a notebook, else (None, why not)."""
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as error:  # noqa: BLE001 (any unreadable file is the student's problem)
        return None, f"the notebook cannot be read: {type(error).__name__}: {first_line(str(error))}"
    if not isinstance(nb.get("cells"), list):
        return None, "the notebook has no cells"
    return nb, ""


def nbgrader(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def role(cell) -> tuple:
    meta = nbgrader(cell)
    return (bool(meta.get("grade")), bool(meta.get("solution")), bool(meta.get("locked")),
            float(meta.get("points", 0) or 0) if meta.get("grade") else 0.0)


def grade_ids(nb) -> list[str]:
    return [nbgrader(c)["grade_id"] for c in nb.cells if nbgrader(c).get("grade_id")]


def refusal(nb, release, assignment: str, root=assignments.ROOT) -> str:
    """'' when nbgrader can grade ``nb`` against ``release`` (the student version), else why not."""
    known = {nbgrader(c)["grade_id"]: c for c in release.cells if nbgrader(c).get("grade_id")}
    unknown, changed = [], []
    for cell in nb.cells:
        meta = nbgrader(cell)
        if not meta:
            continue
        gid = meta.get("grade_id")
        if gid not in known:
            unknown.append(str(gid))
        elif role(cell) != role(known[gid]) or cell.cell_type != known[gid].cell_type:
            changed.append(gid)
    if unknown:
        for other in assignments.assignment_ids(root):
            source = assignments.source_notebook(other, root)
            if other != assignment and set(unknown) <= set(grade_ids(nbformat.read(source, as_version=4))):
                return Message(N_("this is the notebook of assignment {other}, not {assignment}"),
                               other=other, assignment=assignment)
        return Message(N_("cells with nbgrader metadata that {assignment} does not have ({cells}): hand in "
                          "the notebook you were given, with your answers in it"),
                       assignment=assignment, cells=", ".join(unknown))
    if changed:
        return Message(N_("the nbgrader metadata of cell {cells} was changed (it must stay as handed out): "
                          "copy your answers into a fresh copy of the exercise and hand that in"),
                       cells=", ".join(changed))
    return ""


def restore_missing(nb, release) -> list[str]:
    """Put back the test and set-up cells of ``release`` missing from ``nb`` (in place); their ids."""
    position = {nbgrader(c)["grade_id"]: c for c in nb.cells if nbgrader(c).get("grade_id")}
    restored, after = [], None  # after: the cell of nb that the next restored cell follows
    for cell in release.cells:
        gid = nbgrader(cell).get("grade_id")
        grade, solution, locked, _ = role(cell)
        if gid in position:
            after = position[gid]
            continue
        if cell.cell_type != "code" or solution or not (grade or locked):
            continue
        new = copy.deepcopy(cell)
        if after is not None:
            nb.cells.insert(nb.cells.index(after) + 1, new)
        elif grade:
            nb.cells.append(new)  # nothing of the notebook before it: after the learner's code
        else:
            nb.cells.insert(0, new)  # the set-up cell: before everything
        if grade or after is not None:
            after = new
        position[gid] = new
        restored.append(gid)
    return restored


# Modules whose only use in an answer is to reach into the running tests: stack frames, the garbage
# collector's list of live objects, signal handlers, raw memory.
TAMPER_MODULES = ("gc", "inspect", "ctypes", "signal")
# Attributes that reach a running test's frame, trace or profile the interpreter, or change how
# tensors behave in every operation.
TAMPER_ATTRIBUTES = ("settrace", "setprofile", "_getframe", "f_back", "f_locals", "f_globals", "__globals__",
                     "__code__", "__subclasses__", "__torch_function__", "__torch_dispatch__")


class _Flagger(ast.NodeVisitor):
    def __init__(self, setup_names: set[str], setup_imports: dict, roots: set[str], forbidden: set[str] = frozenset()):
        self.setup_names, self.setup_imports, self.roots = setup_names, setup_imports, roots
        self.forbidden = forbidden
        self.found: list[str] = []
        self.depth = 0
        self.globals: set[str] = set()

    def flag(self, what: str) -> None:
        if what not in self.found:
            self.found.append(what)

    def bind(self, name: str, how: str = "reassigns") -> None:
        if name in self.setup_names and (self.depth == 0 or name in self.globals):
            self.flag(f"{how} {name}")

    def target(self, node) -> None:
        if isinstance(node, ast.Name):
            self.bind(node.id)
        elif isinstance(node, (ast.Tuple, ast.List)):
            for element in node.elts:
                self.target(element)
        elif isinstance(node, ast.Starred):
            self.target(node.value)
        elif isinstance(node, (ast.Attribute, ast.Subscript)):
            root, dotted = node, []
            while isinstance(root, (ast.Attribute, ast.Subscript)):
                if isinstance(root, ast.Attribute):
                    dotted.append(root.attr)
                root = root.value
            dotted = [root.id, *reversed(dotted)] if isinstance(root, ast.Name) else []
            if dotted[:2] == ["sys", "modules"]:
                self.flag("sys.modules")
            elif dotted and dotted[0] in self.roots:
                self.flag("assigns " + ".".join(dotted))

    def visit_Assign(self, node):
        for target in node.targets:
            self.target(target)
        self.generic_visit(node)

    def visit_AugAssign(self, node):
        self.target(node.target)
        self.generic_visit(node)

    visit_AnnAssign = visit_AugAssign

    def visit_Delete(self, node):
        for target in node.targets:
            self.target(target)
        self.generic_visit(node)

    def visit_For(self, node):
        self.target(node.target)
        self.generic_visit(node)

    visit_AsyncFor = visit_For

    def visit_withitem(self, node):
        if node.optional_vars is not None:
            self.target(node.optional_vars)
        self.generic_visit(node)

    def visit_NamedExpr(self, node):
        self.target(node.target)
        self.generic_visit(node)

    def visit_Global(self, node):
        self.globals.update(node.names)

    def visit_Import(self, node):
        for name, target in _imported(node):
            if self.setup_imports.get(name) != target:  # importing what the set-up imports is fine
                self.bind(name)
        for alias in node.names:
            self.imports(alias.name, [alias.name])

    def visit_ImportFrom(self, node):
        for name, target in _imported(node):
            if target == "sys.modules":
                self.flag("sys.modules")
            if self.setup_imports.get(name) != target:
                self.bind(name)
        module = node.module or ""
        self.imports(module, [f"{module}.{alias.name}" for alias in node.names])
        for alias in node.names:
            if alias.name in TAMPER_ATTRIBUTES:
                self.flag(alias.name)

    def imports(self, module: str, targets: list[str]) -> None:
        """``import module`` or ``from module import ...`` (``targets``: the dotted names bound)."""
        if module.split(".")[0] in TAMPER_MODULES:
            self.flag(f"imports {module.split('.')[0]}")
        for target in targets:
            if target in self.setup_imports.values():
                continue  # what the set-up imports too
            # The package itself may be imported (`import attnbook`); what it is reached for is checked
            # where it is used (an attribute the exercise forbids), or here when imported by name.
            used = [part for part in target.split(".")[1:] if part in self.forbidden]
            if used:
                self.flag(f"uses {used[0]} (the exercise forbids it)")

    def visit_ClassDef(self, node):
        for base in node.bases:
            dotted = ast.unparse(base)
            if dotted.split(".")[-1] == "Tensor" or dotted.endswith(("Parameter", "_TensorBase", "TensorBase")):
                self.flag(f"subclasses {dotted}")
        self.visit_FunctionDef(node)

    def visit_FunctionDef(self, node):
        self.bind(node.name, "redefines")
        for decorator in node.decorator_list:
            self.visit(decorator)
        self.depth += 1
        saved, self.globals = self.globals, set()
        for statement in node.body:
            self.visit(statement)
        self.depth -= 1
        self.globals = saved

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node):
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    def visit_Attribute(self, node):
        if isinstance(node.value, ast.Name) and node.value.id == "sys" and node.attr == "modules":
            self.flag("sys.modules")
        if node.attr == "get_ipython":
            self.flag("get_ipython()")
        if node.attr in TAMPER_ATTRIBUTES:
            self.flag(node.attr)
        root = node
        while isinstance(root, ast.Attribute):
            root = root.value
        if node.attr in self.forbidden and isinstance(root, ast.Name) and root.id in self.roots:
            self.flag(f"uses {ast.unparse(node)} (the exercise forbids it)")
        self.generic_visit(node)

    def visit_Name(self, node):
        if node.id == "get_ipython":
            self.flag("get_ipython()")
        elif node.id in ("__builtins__", "exec", "eval", "globals", "__import__", "vars", "locals"):
            self.flag(f"{node.id}()" if node.id != "__builtins__" else node.id)
        elif node.id in TAMPER_ATTRIBUTES:
            self.flag(node.id)

    def visit_Call(self, node):
        name = node.func.id if isinstance(node.func, ast.Name) else ""
        if name in ("setattr", "delattr", "getattr") and node.args:
            root = node.args[0]
            while isinstance(root, (ast.Attribute, ast.Call, ast.Subscript)):
                root = root.func if isinstance(root, ast.Call) else root.value
            literal = len(node.args) > 1 and isinstance(node.args[1], ast.Constant)
            if name == "getattr" and literal and node.args[1].value in self.forbidden:
                self.flag(f"uses {ast.unparse(node.args[0])}.{node.args[1].value} (the exercise forbids it)")
            elif isinstance(root, ast.Name) and root.id in self.roots and (name != "getattr" or not literal):
                self.flag(f"{name}() on {ast.unparse(node.args[0])}")
            elif name != "getattr" and not (isinstance(root, ast.Name) and root.id == "self"):
                self.flag(f"{name}() on {ast.unparse(node.args[0])}")
        self.generic_visit(node)


def _python(source: str):
    """The cell as Python (IPython magics become ``get_ipython()`` calls); None if it does not parse."""
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        return ast.parse(TransformerManager().transform_cell(source))
    except (SyntaxError, ValueError):
        return None


def _imported(node) -> list[tuple[str, str]]:
    """(name bound, dotted name of what it is bound to) for an import statement."""
    if isinstance(node, ast.Import):
        return [(a.asname or a.name.split(".")[0], a.name if a.asname else a.name.split(".")[0])
                for a in node.names]
    return [(a.asname or a.name, f"{node.module}.{a.name}") for a in node.names]


def _bindings(tree) -> tuple[set[str], dict]:
    names, imports = set(), {}
    for node in tree.body if tree else []:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            imports.update(_imported(node))
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            for target in getattr(node, "targets", [getattr(node, "target", None)]):
                names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
        elif isinstance(node, ast.Try):
            inner_names, inner_imports = _bindings(ast.Module(body=node.body, type_ignores=[]))
            names |= inner_names
            imports.update(inner_imports)
    return names | set(imports), imports


def _forbidden(tree) -> set[str]:
    """The names the set-up's ``*FORBIDDEN`` tuples list (what an answer may not call)."""
    names = set()
    for node in tree.body if tree else []:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id.endswith("FORBIDDEN")
                                                for t in node.targets):
            names |= {e.value for e in getattr(node.value, "elts", []) if isinstance(e, ast.Constant)
                      and isinstance(e.value, str)}
    return names


def flags(nb, release) -> dict[str, list[str]]:
    """``{question: [what was flagged, ...]}`` for the answer cells of ``nb`` (see the module doc)."""
    setup_tree = _python("\n\n".join(c.source for c in release.cells if c.cell_type == "code" and role(c)[2]
                                     and not role(c)[0]))
    setup_names, setup_imports = _bindings(setup_tree)
    forbidden = _forbidden(setup_tree)
    given = {c.source for c in release.cells if not role(c)[1]}  # cells as handed out (not answers)
    locked = {nbgrader(c).get("grade_id") for c in release.cells if role(c)[2]}
    answers = [c for c in nb.cells if c.cell_type == "code" and nbgrader(c).get("grade_id") not in locked
               and (role(c)[1] or c.source not in given)]
    trees = [_python(c.source) for c in answers]
    roots = set(setup_imports) | {"builtins", "sys"}
    for tree in trees:
        for node in ast.walk(tree) if tree else []:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                roots |= {name for name, _ in _imported(node)}
    questions = [q for q in dict.fromkeys(map(assignments.question_of, grade_ids(release))) if q]
    out: dict[str, list[str]] = {}
    for cell, tree in zip(answers, trees):
        if tree is None:
            continue
        flagger = _Flagger(setup_names, setup_imports, roots, forbidden)
        flagger.visit(tree)
        if flagger.found:
            question = assignments.question_of(nbgrader(cell).get("grade_id", "")) or _next_question(nb, cell)
            question = question or (questions[-1] if questions else "total")
            out.setdefault(question, [])
            out[question] += [f for f in flagger.found if f not in out[question]]
    return out


def test_imports(source) -> list[str]:
    """Modules that the set-up and test cells of the instructor's notebook import and whose package
    this Python has: the grading kernel imports them while it starts (``grading.sandbox``)."""
    import importlib.util

    names = []
    for cell in source.cells:
        tree = _python(cell.source) if cell.cell_type == "code" and role(cell)[2] else None
        for node in ast.walk(tree) if tree else []:
            if isinstance(node, ast.Import):
                names += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.append(node.module)
    found = []
    for name in dict.fromkeys(names):
        try:  # the top-level package only: find_spec("torch.nn") would import torch here (3 s)
            if importlib.util.find_spec(name.split(".")[0]) is not None:
                found.append(name)
        except (ImportError, ValueError):
            pass
    return found


def _next_question(nb, cell) -> str | None:
    """The question of the first cell after ``cell`` that belongs to one."""
    for later in nb.cells[nb.cells.index(cell) + 1:]:
        question = assignments.question_of(nbgrader(later).get("grade_id", ""))
        if question:
            return question
    return None
