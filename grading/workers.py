"""Process supervision: one forked grading process per student (``jobs`` at a time), the hard time
limit, and what each process does (:func:`autograde_one`: nbgrader autograde, the feedback page, the
status record). Ctrl-C or SIGTERM stops every grading process and its kernel and keeps what is stored."""

from __future__ import annotations

import copy
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

from . import install_check, sandbox
from .config import captured_nbgrader_log
from .feedback import WARMING, write_page
from .launch_kernel import die_with_parent
from .messages import N_, say
from .records import Run, fail, forget_in_gradebook, read_status, write_status
from .report import first_line, question_statuses


def autograde_one(run: Run, sid: str, sub_sha: str, notes: dict) -> None:
    """Runs in a forked child: autograde one student, write feedback and the status record."""
    from nbgrader.converters import Autograde, GenerateFeedback
    from nbgrader.coursedir import CourseDirectory

    runtime = tempfile.mkdtemp(prefix="ag-", dir="/tmp")  # short: unix socket paths are limited to 107 bytes
    try:
        os.environ["JUPYTER_RUNTIME_DIR"] = runtime
        os.environ["ATTNBOOK_SANDBOX_RUNTIME"] = runtime
        home = "/tmp" if run.sandboxed else os.path.join(runtime, "home")
        os.makedirs(os.path.join(runtime, "home"), exist_ok=True)
        os.environ["ATTNBOOK_SANDBOX_ENV"] = json.dumps(sandbox.kernel_env(home))
        os.environ["ATTNBOOK_SANDBOX_LOG"] = str(run.log_file(sid).with_suffix(".kernel.log"))
        cfg = copy.deepcopy(run.cfg)
        cfg.KernelManager.ip = os.path.join(runtime, "k")
        cfg.KernelManager.connection_file = os.path.join(runtime, "kernel.json")
        coursedir = CourseDirectory(config=cfg)
        coursedir.assignment_id, coursedir.student_id = run.assignment, sid
        log_file = run.log_file(sid)
        log_file.parent.mkdir(parents=True, exist_ok=True)
        run.log_file(sid).with_suffix(".kernel.log").unlink(missing_ok=True)
        forget_in_gradebook(run, sid)
        with captured_nbgrader_log(log_file):
            app = Autograde(coursedir=coursedir, config=cfg)
            app.force, app.create_student = True, True
            try:
                app.start()
                error = ""
            except Exception as exc:  # nbgrader logged the details
                error = f"nbgrader autograde failed: {first_line(str(exc))} (log: {log_file})"
        folder = Path(coursedir.format_path(coursedir.autograded_directory, sid, run.assignment))
        autograded = folder / f"{run.assignment}.ipynb"
        if error or not autograded.is_file():  # not the learner's code (GuardedExecute handles that): the grader's
            error = error or "nbgrader wrote no autograded notebook"
            write_status(run, sid, "error", error, {q: "not graded: " + error for q in run.questions}, sub_sha,
                         {"language": notes.get("language", "en")})
            return
        for extra in folder.glob("*.ipynb"):  # notebooks the learner's code wrote: not part of the grade
            if extra != autograded:
                extra.unlink()
        statuses, stopped = question_statuses(autograded, run.questions)
        outcome, message = ("stopped", stopped) if stopped else ("graded", "")
        if run.settings.feedback:
            with WARMING, captured_nbgrader_log(log_file.with_suffix(".feedback.log")):
                feedback = GenerateFeedback(coursedir=coursedir, config=cfg)
                feedback.force = True
                try:
                    feedback.start()
                    html_file = Path(coursedir.format_path(coursedir.feedback_directory, sid, run.assignment)) / \
                        f"{run.assignment}.html"
                    run.page_file(sid).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(html_file, run.page_file(sid))
                except Exception as exc:  # noqa: BLE001 (feedback is a by-product: never lose the grade)
                    language = notes.get("language", "en")
                    write_page(run, sid, say(N_("Your notebook was graded, but its feedback page could not be "
                                                "made ({error}): ask your instructor for your points."),
                                             language, error=first_line(str(exc))), language)
        write_status(run, sid, outcome, message, statuses, sub_sha, notes)
    finally:
        shutil.rmtree(runtime, ignore_errors=True)


def kill_tree(pid: int) -> None:
    """SIGKILL a grading process and everything it started (kernels included)."""
    import psutil

    try:
        parent = psutil.Process(pid)
        family = parent.children(recursive=True) + [parent]
    except psutil.NoSuchProcess:
        return
    for proc in family:
        try:
            proc.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(family, timeout=10)


def reap(pid: int) -> None:
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:  # already reaped (psutil.wait_procs does it)
        pass


def run_workers(run: Run, todo: list[tuple[str, str, dict]], check=None) -> dict[str, float]:
    """Fork one grading process per student, ``jobs`` at a time; enforce the hard time limit.

    ``check``: the installation check still to be passed (``install_check.Check``). Its model answer
    is graded first, in one of the slots; the students started before it has passed are staged, and
    each one's result is withheld until it has (``install_check.commit``). If it fails, every staged
    student is stopped and thrown away (``install_check.discard``) and its GradingError is raised."""
    settings = run.settings
    hard_limit = settings.notebook_timeout + settings.hard_margin if settings.notebook_timeout else None
    pending = ([check.task] if check else []) + list(todo)
    running: dict[int, tuple[Run, str, str, float]] = {}  # pid: the student's Run (staged or not), ...
    withheld: list[tuple[Run, str, float]] = []  # staged students graded before the check passed
    seconds: dict[str, float] = {}
    sys.stdout.flush(), sys.stderr.flush()

    def stop(signum, frame):  # SIGTERM / SIGHUP: clean up as for Ctrl-C
        raise KeyboardInterrupt(f"stopped by signal {signum}")

    def report_one(sid: str, elapsed: float) -> None:
        seconds[sid] = elapsed
        record = read_status(run, sid)
        run.log.info("%-20s %-8s %5.1f s %s", sid, record["outcome"], elapsed, record["message"])

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        while pending or running:
            while pending and len(running) < max(1, settings.jobs):
                sid, sub_sha, notes = pending.pop(0)
                if check and sid == install_check.MODEL:
                    own = check.run
                elif check:
                    own = install_check.stage(run, sid)
                else:
                    own = run
                    run.status_file(sid).unlink(missing_ok=True)
                pid = os.fork()
                if pid == 0:  # the child
                    code = 0
                    try:
                        os.setsid()  # a Ctrl-C in the terminal reaches the parent, which cleans up
                        for sig, handler in previous.items():
                            signal.signal(sig, handler)
                        signal.signal(signal.SIGINT, signal.SIG_DFL)
                        die_with_parent()
                        log_file = run.log_file(sid)
                        log_file.parent.mkdir(parents=True, exist_ok=True)
                        fd = os.open(log_file.with_suffix(".out"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
                        os.dup2(fd, 1), os.dup2(fd, 2), os.close(fd)  # keep the terminal for the summary
                        autograde_one(own, sid, sub_sha, notes)
                    except BaseException:  # noqa: BLE001
                        import traceback
                        traceback.print_exc()
                        code = 1
                    finally:
                        sys.stdout.flush(), sys.stderr.flush()
                        os._exit(code)
                running[pid] = (own, sid, sub_sha, time.monotonic())
            time.sleep(0.05)
            for pid, (own, sid, sub_sha, start) in list(running.items()):
                done, status = os.waitpid(pid, os.WNOHANG)
                elapsed = time.monotonic() - start
                if done == 0 and hard_limit and elapsed > hard_limit:
                    kill_tree(pid)
                    reap(pid)
                    fail(own, sid, sub_sha, f"grading process killed after {hard_limit} s (hard limit)")
                elif done == 0:
                    continue
                elif not own.status_file(sid).exists():
                    kill_tree(pid)
                    message = (f"the grading process failed (exit status {status}; "
                               f"see {run.log_file(sid).with_suffix('.out')})")
                    write_status(own, sid, "error", message, {q: "not graded: " + message for q in run.questions},
                                 sub_sha)
                del running[pid]
                if check and own is check.run:
                    check.judge()  # raises if the installation is broken: the handler below discards the staged
                    check = None
                    while withheld:  # popped first: a student once committed is never discarded
                        staged, staged_sid, staged_seconds = withheld.pop(0)
                        install_check.commit(run, staged, staged_sid)
                        report_one(staged_sid, staged_seconds)
                elif check:
                    withheld.append((own, sid, elapsed))
                else:
                    if own.staging:
                        install_check.commit(run, own, sid)
                    report_one(sid, elapsed)
    except BaseException:  # Ctrl-C or a bug: stop every grading process and its kernel, keep what is stored
        for pid in running:
            kill_tree(pid)
            reap(pid)
        for own, sid, *_ in [*running.values(), *withheld]:
            if own.staging and sid != install_check.MODEL:
                install_check.discard(run, own, sid)
        if check:
            check.close()
        raise
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return seconds
