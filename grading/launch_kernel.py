"""Start one grading kernel, sandboxed with bubblewrap when asked (the kernelspec written by grading.sandbox runs this).

Run by jupyter_client as ``python launch_kernel.py -f CONNECTION_FILE`` with the kernel's working
folder (the submission's own autograded folder) as the current directory. Settings come from the
environment that ``python -m grading`` sets:

- ``ATTNBOOK_SANDBOX``: ``bwrap`` (sandbox) or ``none`` (run the kernel directly).
- ``ATTNBOOK_SANDBOX_RO``: folders (``os.pathsep``-separated) the kernel may read: the course
  folder, the Python installation, the virtual environment.
- ``ATTNBOOK_SANDBOX_HIDE``: folders inside those that the kernel must not see (``solutions/``,
  ``grades/``, ``.git``): each gets an empty tmpfs over it.
- ``ATTNBOOK_SANDBOX_RUNTIME``: the folder of the kernel's connection file and ``ipc`` sockets.
- ``ATTNBOOK_SANDBOX_WRITABLE_ROOT``: the kernel's own folder must lie under it (the autograded folder).
- ``ATTNBOOK_SANDBOX_MEMORY``: address-space limit of the kernel in bytes (0: none).
- ``ATTNBOOK_SANDBOX_ENV``: JSON object, the kernel's whole environment.
- ``ATTNBOOK_SANDBOX_PRELOAD``: comma-separated modules imported while the kernel starts (``torch``,
  and what the assignment's set-up and test cells import).
- ``ATTNBOOK_SANDBOX_LOG``: file that receives the kernel process's own stdout and stderr.

In the sandbox the kernel sees: the read-only folders above (minus the hidden ones) and the system
folders (``/usr``, the parts of ``/etc`` that Python reads, ...); its own folder, read-write, in which
the notebook being graded (it holds the hidden tests) reads as empty; the folder of its connection
file (read-write: the ZeroMQ ``ipc`` sockets live there); a private ``/tmp``, ``/dev`` and ``/proc``.
It has no network (``--unshare-net``), its own process tree (``--unshare-pid``, all killed with it)
and no capabilities. The home folder, the gradebook and the other students' submissions are not
visible. Outside the sandbox (``none``) the kernel still gets the clean environment, the memory limit,
and dies with the grading process.

This file uses only the standard library: it must start fast and work without the course's packages.
"""

from __future__ import annotations

import json
import os
import resource
import sys

SYSTEM_RO = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/sys",
             # not all of /etc (/etc/shadow is readable by root): what Python and its libraries read
             "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime", "/etc/passwd",
             "/etc/group", "/etc/nsswitch.conf", "/etc/hosts", "/etc/mime.types", "/etc/ssl", "/etc/fonts",
             "/etc/alternatives"]


def kernel_argv(connection_file: str) -> list[str]:
    argv = [sys.executable, "-X", "frozen_modules=off", "-m", "ipykernel_launcher", "-f", connection_file,
            "--HistoryManager.enabled=False"]
    preload = [m for m in os.environ.get("ATTNBOOK_SANDBOX_PRELOAD", "").split(",")
               if m and all(part.isidentifier() for part in m.split("."))]
    if preload:  # imported while the kernel starts, so that they do not eat into the first cell's time limit
        argv.append("--IPKernelApp.exec_lines=" + json.dumps(
            [f"try:\n    import {m}\nexcept Exception:\n    pass" for m in preload]))
    return argv


def bwrap_argv(connection_file: str, own_folder: str, runtime: str, read_only: list[str],
               env: dict[str, str], hidden: list[str] = ()) -> list[str]:
    args = ["bwrap", "--die-with-parent", "--new-session", "--unshare-all", "--cap-drop", "ALL", "--clearenv"]
    for name, value in env.items():
        args += ["--setenv", name, value]
    done: set[str] = set()
    bound: list[str] = []  # folders bound so far: a link that lies in one of them is already there
    links: set[str] = set()

    def add_read_only(path: str) -> None:
        if path in done or not os.path.lexists(path):
            return
        done.add(path)
        real = os.path.realpath(path)
        if real == path:
            args.extend(["--ro-bind", path, path])
            bound.append(path)
            return
        # Through a link (/bin -> usr/bin; a course's .venv -> an environment elsewhere, and what
        # lies under it): bind the real folder, and make the link unless its folder's bind has it.
        add_read_only(real)
        link = path
        while not os.path.islink(link):
            link = os.path.dirname(link)
        parent = os.path.dirname(link)
        if link not in links and not any(parent == f or parent.startswith(f.rstrip("/") + "/") for f in bound):
            links.add(link)
            args.extend(["--symlink", os.readlink(link), link])

    args += ["--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]  # first: later binds may lie under /tmp
    for path in SYSTEM_RO + sorted(read_only, key=len):
        add_read_only(os.path.abspath(path))
    for path in hidden:  # inside a read-only folder, yet not for students' eyes: an empty tmpfs over it
        if os.path.isdir(path):
            args += ["--tmpfs", os.path.realpath(path)]
    own = os.path.realpath(own_folder)
    for path in dict.fromkeys([os.path.realpath(runtime), own]):
        args += ["--bind", path, path]
    for name in sorted(os.listdir(own)):  # the notebook being graded holds the hidden tests: show it empty
        if name.endswith(".ipynb"):
            args += ["--ro-bind", "/dev/null", os.path.join(own, name)]
    args += ["--chdir", os.path.realpath(own_folder), "--"]
    return args + kernel_argv(os.path.realpath(connection_file))


def check_writable(connection_file: str, own_folder: str, runtime: str, writable_root: str) -> None:
    """Refuse to start unless the two read-write folders are the dedicated ones grading set up."""
    runtime, own, root = (os.path.realpath(p) for p in (runtime, own_folder, writable_root))
    if not runtime or os.path.dirname(os.path.realpath(connection_file)) != runtime:
        raise SystemExit(f"connection file {connection_file} is not in the grading runtime folder {runtime}")
    if not root or os.path.commonpath([own, root]) != root or own == root:
        raise SystemExit(f"kernel folder {own} is not a submission folder under {root}")


def die_with_parent() -> None:
    """Linux: this process (after exec: the kernel; in workers.py: a forked grading process) is killed
    with SIGKILL when its parent dies, however it dies."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def limit_memory(nbytes: int) -> None:
    if nbytes > 0:
        resource.setrlimit(resource.RLIMIT_AS, (nbytes, nbytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def main(argv: list[str]) -> None:
    if len(argv) != 2 or argv[0] != "-f":
        raise SystemExit("usage: launch_kernel.py -f CONNECTION_FILE")
    connection_file = argv[1]
    mode = os.environ.get("ATTNBOOK_SANDBOX", "none")
    env = json.loads(os.environ.get("ATTNBOOK_SANDBOX_ENV", "{}")) or {
        k: v for k, v in os.environ.items() if not k.startswith(("JPY_", "ATTNBOOK_SANDBOX"))}
    read_only = [p for p in os.environ.get("ATTNBOOK_SANDBOX_RO", "").split(os.pathsep) if p]
    limit_memory(int(os.environ.get("ATTNBOOK_SANDBOX_MEMORY", "0") or 0))
    die_with_parent()
    log = os.environ.get("ATTNBOOK_SANDBOX_LOG")
    if log:  # the kernel's own chatter (not the cells' output, which goes to the notebook) goes to a log
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.close(fd)
    if mode == "bwrap":
        runtime = os.environ.get("ATTNBOOK_SANDBOX_RUNTIME", "")
        check_writable(connection_file, os.getcwd(), runtime, os.environ.get("ATTNBOOK_SANDBOX_WRITABLE_ROOT", ""))
        hidden = [p for p in os.environ.get("ATTNBOOK_SANDBOX_HIDE", "").split(os.pathsep) if p]
        args = bwrap_argv(connection_file, os.getcwd(), runtime, read_only, env, hidden)
        os.execvp(args[0], args)
    elif mode == "none":
        os.execve(sys.executable, kernel_argv(connection_file), env)
    else:
        raise SystemExit(f"ATTNBOOK_SANDBOX must be 'bwrap' or 'none', not {mode!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
