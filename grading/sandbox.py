"""The grading kernel: a kernelspec that starts ipykernel inside bubblewrap (or, where that is not
possible, directly, after saying so plainly).

``python -m grading`` writes the kernelspec into the grading work folder and points ``JUPYTER_PATH``
at it; nbgrader's execute step then starts every student kernel through
``grading/launch_kernel.py``. The kernelspec says ``"interrupt_mode": "message"``: the per-cell
timeout interrupts the kernel with a message on its control channel (ipykernel then raises
``KeyboardInterrupt`` in the student's code), which reaches a kernel inside a sandbox, where a
signal sent to the launcher's process group would not.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

KERNEL_NAME = "attnbook-grading"
LAUNCHER = Path(__file__).resolve().with_name("launch_kernel.py")


@dataclass(frozen=True)
class SandboxProbe:
    available: bool
    reason: str  # why not (empty when available)


def probe_bwrap(timeout: float = 20) -> SandboxProbe:
    """Can this machine run a bubblewrap sandbox with new user, pid and network namespaces?"""
    exe = shutil.which("bwrap")
    if exe is None:
        return SandboxProbe(False, "bubblewrap is not installed (Debian/Ubuntu: apt-get install bubblewrap)")
    cmd = [exe, "--die-with-parent", "--unshare-all", "--ro-bind", "/", "/", "--dev", "/dev",
           "--proc", "/proc", "--tmpfs", "/tmp", "true"]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as error:
        return SandboxProbe(False, f"bwrap could not be run: {error}")
    if done.returncode != 0:
        message = (done.stderr or done.stdout).strip().splitlines()
        return SandboxProbe(False, f"bwrap fails on this machine: {message[-1] if message else done.returncode}"
                                   " (are unprivileged user namespaces disabled?)")
    return SandboxProbe(True, "")


def read_only_folders(course_root: Path) -> list[str]:
    """What the sandboxed kernel may read besides the system folders: the course, Python, its
    packages, and the folders of ``PYTHONPATH``. Not the folder the grader was started from
    (``sys.path[0]`` under ``python -m``): started from the instructor's home, it would let a
    student's code read, and print into its feedback, everything there."""
    folders = [course_root, Path(sys.prefix), Path(sys.base_prefix)]
    spec = importlib.util.find_spec("attnbook")
    if spec and spec.submodule_search_locations:
        folders.append(Path(list(spec.submodule_search_locations)[0]).parent)
    folders += [Path(p) for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    start = Path.cwd().resolve()
    folders += [Path(p) for p in sys.path
                if p and Path(p).is_dir() and Path(p).resolve() != start]
    out: list[str] = []
    for folder in folders:
        for path in dict.fromkeys([str(folder.absolute()), str(folder.resolve())]):
            if path not in out and Path(path).exists():
                out.append(path)
    return out


def kernel_env(home: str) -> dict[str, str]:
    """The kernel's whole environment (nothing else of the grader's leaks in)."""
    env = {
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin"]),
        "HOME": home, "TMPDIR": "/tmp" if home == "/tmp" else home,
        "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
        "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
        "MPLBACKEND": "Agg", "MPLCONFIGDIR": f"{home}/.matplotlib",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",  # else debugpy warns on stderr, which costs points
        "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0",
        "ATTNBOOK_GRADING": "1",
    }
    if os.environ.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return env


def hidden_folders(course_root: Path, *others: Path) -> list[str]:
    """Folders the kernel must not read: the instructor versions (hidden tests), the repository's
    history (the same), the grades, and ``others`` (the grading work folder, the submissions folder),
    wherever they are: one inside a folder the kernel may read gets an empty tmpfs over it."""
    folders = [course_root / "solutions", course_root / ".git", course_root / "grades", *others]
    return list(dict.fromkeys(str(Path(p).resolve()) for p in folders))


def write_kernelspec(jupyter_dir: Path, *, sandboxed: bool, course_root: Path, writable_root: Path,
                     memory_limit: int, hidden: list[str] = (), preload: list[str] = ()) -> Path:
    """Write ``<jupyter_dir>/kernels/attnbook-grading/kernel.json``; return its folder."""
    folder = jupyter_dir / "kernels" / KERNEL_NAME
    folder.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [sys.executable, str(LAUNCHER), "-f", "{connection_file}"],
        "display_name": "attnbook grading" + (" (sandboxed)" if sandboxed else " (NOT sandboxed)"),
        "language": "python",
        "interrupt_mode": "message",
        "env": {
            "ATTNBOOK_SANDBOX": "bwrap" if sandboxed else "none",
            "ATTNBOOK_SANDBOX_RO": os.pathsep.join(read_only_folders(course_root)),
            "ATTNBOOK_SANDBOX_HIDE": os.pathsep.join(hidden),
            "ATTNBOOK_SANDBOX_WRITABLE_ROOT": str(writable_root),
            "ATTNBOOK_SANDBOX_MEMORY": str(memory_limit),
            # Every exercise imports torch (1.5-3 s), some tests a heavy reference library: import them
            # during start-up (startup_timeout), not in a cell, so the per-cell limit measures the
            # learner's code.
            "ATTNBOOK_SANDBOX_PRELOAD": ",".join(dict.fromkeys(["torch", *preload])),
        },
        "metadata": {"debugger": False},
    }
    (folder / "kernel.json").write_text(json.dumps(spec, indent=1), encoding="utf-8")
    return folder
