"""Runs inside a student's kernel while it is graded: the tests' set-up, re-armed before each test.

The grader never imports this file. ``grading.execute.GuardedExecute`` sends its text to the kernel
before the first cell runs, and calls ``install(setup)`` there; before every test cell it calls
``rearm()``. Both go as the *user expression* of an empty, silent request, which IPython evaluates
without input transformers, event hooks or history, so code registered by an answer cell never sees
or rewrites them.

``install`` records, before any student code has run: the modules the tests rely on (``builtins``,
``math``, ``torch``, ``torch.nn``, ``torch.nn.functional``, ``attnbook.exercise`` and whatever the
set-up cell imports), the attributes of every class they hold, IPython's input transformers, AST
transformers, event callbacks and exception hooks, and ``sys.modules`` entries, import hooks and
standard streams. ``rearm`` puts all of that back and runs the set-up cell again in the notebook's
namespace: the helpers (``check_close``, ``compare_with_torch``, ...), the references
(``nn.MultiheadAttention``, ``torch.allclose``, ...) and the fixed seed that the next test uses are
the instructor's, whatever the answers redefined. (Code that wants to can still reach around this
in its own process; the grader also flags, per question, every answer cell that tries.)
"""

import sys
import types

ROOTS = ("builtins", "math", "torch", "torch.nn", "torch.nn.functional", "attnbook.exercise")
SHELL_ATTRIBUTES = ("CustomTB", "custom_exceptions", "showtraceback", "_showtraceback", "run_cell",
                    "run_cell_async", "should_run_async", "transform_cell", "transform_ast",
                    "run_ast_nodes", "run_code", "input_transformer_manager", "events", "user_ns")
MISSING = object()
state = {}


def imported_by(setup):
    import ast

    names = []
    for node in ast.walk(ast.parse(setup)):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.append(node.module)
    return names


def install(setup):
    import importlib

    from IPython import get_ipython

    shell = get_ipython()
    modules = {}
    for name in dict.fromkeys(ROOTS + tuple(imported_by(setup))):
        try:
            modules[name] = importlib.import_module(name)
        except Exception:  # noqa: BLE001 (the set-up cell itself will say what is missing)
            pass
    classes = {}
    for module in modules.values():
        for value in list(vars(module).values()):
            if isinstance(value, type) and value not in classes:
                classes[value] = dict(vars(value))
    manager = shell.input_transformer_manager
    state.update(
        shell=shell, setup=compile(setup, "<set-up cell>", "exec"), classes=classes,
        modules={name: (module, dict(vars(module))) for name, module in modules.items()},
        shell_attributes={name: getattr(shell, name) if shell.has_trait(name) else vars(shell).get(name, MISSING)
                          for name in SHELL_ATTRIBUTES},
        transformers=[(list_, list(list_)) for list_ in (
            manager.cleanup_transforms, manager.line_transforms, manager.token_transformers,
            shell.ast_transformers)],
        callbacks={event: list(hooks) for event, hooks in shell.events.callbacks.items()},
        streams={name: getattr(sys, name) for name in ("stdout", "stderr", "displayhook", "excepthook")},
        hooks=[(list_, list(list_)) for list_ in (sys.meta_path, sys.path_hooks)],
    )
    sys.modules["_attnbook_guard"] = types.SimpleNamespace(rearm=rearm)
    return "installed"


def restore(namespace_of, target, saved, delete_added):
    current = namespace_of(target)
    if delete_added:
        for key in [key for key in current if key not in saved]:
            try:
                delattr(target, key)
            except (AttributeError, TypeError):
                pass
    for key, value in saved.items():
        if current.get(key, MISSING) is not value:
            try:
                setattr(target, key, value)
            except (AttributeError, TypeError):  # immutable built-in types
                pass


def rearm():
    shell = state["shell"]
    for name, value in state["shell_attributes"].items():
        if value is not MISSING:
            setattr(shell, name, value)
        elif name in vars(shell):
            delattr(shell, name)
    for list_, saved in state["transformers"] + state["hooks"]:
        list_[:] = saved
    shell.events.callbacks.clear()
    shell.events.callbacks.update({event: list(hooks) for event, hooks in state["callbacks"].items()})
    for name, value in state["streams"].items():
        setattr(sys, name, value)
    sys.settrace(None)
    sys.setprofile(None)
    for name, (module, saved) in state["modules"].items():
        sys.modules[name] = module
        restore(vars, module, saved, delete_added=False)
    for cls, saved in state["classes"].items():
        restore(vars, cls, saved, delete_added=True)
    exec(state["setup"], shell.user_ns)
    return "rearmed"
