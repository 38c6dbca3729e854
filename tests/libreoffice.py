"""A real LibreOffice for the tests: start our own headless soffice, drive it, stop exactly it.

pytest's interpreter cannot ``import uno`` (only Debian's ``/usr/bin/python3`` can), so the UNO
work happens in ``lo_driver.py``, run as a subprocess per document. This module owns the soffice
process: a throw-away profile, a pipe name of its own, a timeout on every call, and a shutdown
that signals only the process group it created::

    with LibreOffice.start() as lo:
        result = lo.run({"open": "in.xlsx", "steps": [{"op": "save", "path": "out.ods"}]})

Why the profile is seeded, not empty: ``libreoffice-calc-nogui`` ships no Calc .ui files, and
Calc builds its formula bar (the Name Box, ``modules/scalc/ui/posbox.ui``) in an idle task after
the first dispatch on a view. In the nogui build that task throws, and LibreOffice aborts
("Unspecified Application Error", signal 6) whenever it gets a moment of idle time after a
``.uno:GoToCell`` -- at once on a loaded machine, never when the calls come back to back. Hiding
the formula bar in the fresh profile (child window 26100, FID_INPUTLINE_STATUS) means it is never
built. The profile also fixes the locale to en-US, so "1,200" and "2026-03-15" are read the same
way on every machine.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
import warnings
from pathlib import Path
from typing import Any

DRIVER = Path(__file__).with_name("lo_driver.py")
UNO_PYTHON = "/usr/bin/python3"
START_TIMEOUT = 90.0
JOB_TIMEOUT = 120.0
STOP_TIMEOUT = 15.0

PROFILE_SEED = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Views/Windows"><node oor:name="26100" oor:op="replace">\
<prop oor:name="Visible" oor:op="fuse"><value>false</value></prop><node oor:name="UserData">\
<prop oor:name="UserItem" oor:op="fuse" oor:type="xs:string"><value>V2,H,0</value></prop></node></node></item>
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooLocale" oor:op="fuse"><value>en-US</value></prop></item>
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooSetupSystemLocale" oor:op="fuse">\
<value>en-US</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="FirstRun" oor:op="fuse"><value>false</value>\
</prop></item>
</oor:items>
"""


class LibreOfficeError(RuntimeError):
    """LibreOffice could not be started, or a driver job failed; the message says what it printed."""


def find_soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def missing_reason() -> str | None:
    """Why LibreOffice tests cannot run here, or None when they can."""
    if find_soffice() is None:
        return "LibreOffice not installed: apt-get install libreoffice-calc-nogui python3-uno"
    if not Path(UNO_PYTHON).exists():
        return f"{UNO_PYTHON} not found: the UNO driver needs Debian's python3 with python3-uno"
    try:
        probe = subprocess.run([UNO_PYTHON, "-c", "import uno"], capture_output=True, timeout=30, check=False)
    except subprocess.TimeoutExpired:
        return f"{UNO_PYTHON} -c 'import uno' timed out"
    if probe.returncode != 0:
        return f"{UNO_PYTHON} cannot import uno: apt-get install python3-uno"
    return None


class LibreOffice:
    """One headless soffice of our own. Use ``LibreOffice.start()`` as a context manager."""

    def __init__(self, soffice: str, workdir: Path) -> None:
        self.soffice = soffice
        self.workdir = workdir
        self.profile = workdir / "profile"
        self.pipe = f"partnersheet_test_{os.getpid()}_{uuid.uuid4().hex[:12]}"
        self.log = workdir / "soffice.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.jobs = 0
        self.version = ""
        self.restarts = 0

    @classmethod
    def start(cls, soffice: str | None = None, timeout: float = START_TIMEOUT) -> LibreOffice:
        soffice = soffice or find_soffice()
        if soffice is None:
            raise LibreOfficeError("soffice not found")
        lo = cls(soffice, Path(tempfile.mkdtemp(prefix="partnersheet-lo-")))
        try:
            lo._launch(timeout)
        except BaseException:
            lo.stop()
            raise
        return lo

    def __enter__(self) -> LibreOffice:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _launch(self, timeout: float) -> None:
        (self.profile / "user").mkdir(parents=True)
        (self.profile / "user" / "registrymodifications.xcu").write_text(PROFILE_SEED, encoding="utf-8")
        args = [
            self.soffice,
            "--headless",
            "--invisible",
            "--nologo",
            "--norestore",
            "--nodefault",
            "--nolockcheck",
            f"-env:UserInstallation={self.profile.as_uri()}",
            f"--accept=pipe,name={self.pipe};urp;",
        ]
        # No lock files beside the test's documents; the rest of the environment as given.
        env = {**os.environ, "SAL_ENABLE_FILE_LOCKING": "0"}
        with self.log.open("wb") as log:
            # A session of its own: soffice is a shell script that runs oosplash, which runs
            # soffice.bin (and restarts it once on a fresh profile). They all share this group.
            self.proc = subprocess.Popen(
                args, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
            )
        deadline = time.monotonic() + timeout
        while True:
            if not _group_alive(self.proc):
                raise LibreOfficeError(f"soffice exited with code {self.proc.returncode}: {self._log_tail()}")
            left = deadline - time.monotonic()
            if left <= 0:
                raise LibreOfficeError(f"soffice did not answer on its pipe within {timeout:.0f}s: {self._log_tail()}")
            try:
                pong = self._driver(["--ping", "--timeout", f"{min(left, 20):.0f}"], min(left, 20) + 10)
                self.version = pong.get("version", "")
                return
            except LibreOfficeError:
                time.sleep(0.5)

    def run(self, job: dict[str, Any], timeout: float = JOB_TIMEOUT) -> dict[str, Any]:
        """Run one driver job (one document, its steps) and return the driver's JSON result.

        If LibreOffice died under the job, it is started afresh and the job run once more, with a
        warning: a crash is LibreOffice's, and says nothing about the workbook. A job that fails
        while LibreOffice lives, or fails twice, raises ``LibreOfficeError``.
        """
        if not self.alive():
            warnings.warn(f"LibreOffice had died; restarting it: {self._log_tail()}", RuntimeWarning, stacklevel=2)
            self.restart()
        try:
            return self._run_once(job, timeout)
        except LibreOfficeError as first:
            if self.alive():
                raise
            warnings.warn(f"LibreOffice died during a job and was restarted: {first}", RuntimeWarning, stacklevel=2)
            self.restart()
            return self._run_once(job, timeout)

    def restart(self) -> None:
        self.stop()
        self.restarts += 1
        self.workdir = Path(tempfile.mkdtemp(prefix="partnersheet-lo-"))
        self.profile = self.workdir / "profile"
        self.log = self.workdir / "soffice.log"
        self.pipe = f"partnersheet_test_{os.getpid()}_{uuid.uuid4().hex[:12]}"
        try:
            self._launch(START_TIMEOUT)
        except BaseException:
            self.stop()
            raise

    def _run_once(self, job: dict[str, Any], timeout: float) -> dict[str, Any]:
        if self.proc is None:
            raise LibreOfficeError("LibreOffice is not running")
        self.jobs += 1
        job_file = self.workdir / f"job{self.jobs}.json"
        job_file.write_text(json.dumps(job, ensure_ascii=False, indent=1), encoding="utf-8")
        args = ["--job", str(job_file), "--timeout", f"{timeout:.0f}", "--connect-timeout", "15"]
        return self._driver(args, timeout + 15)

    def _driver(self, args: list[str], timeout: float) -> dict[str, Any]:
        cmd = [UNO_PYTHON, str(DRIVER), "--pipe", self.pipe, *args]
        try:
            done = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise LibreOfficeError(f"lo_driver {' '.join(args)} timed out after {timeout:.0f}s") from exc
        stdout = done.stdout.decode("utf-8", "replace")
        stderr = done.stderr.decode("utf-8", "replace")
        if done.returncode != 0:
            raise LibreOfficeError(
                f"lo_driver {' '.join(args)} failed (exit {done.returncode}):\n{stderr.strip()}\n"
                f"soffice: {self._log_tail()}"
            )
        try:
            return json.loads(stdout)
        except json.JSONDecodeError as exc:
            raise LibreOfficeError(f"lo_driver printed no JSON: {stdout[:500]!r} {stderr[:500]!r}") from exc

    def alive(self) -> bool:
        return self.proc is not None and _group_alive(self.proc)

    def _log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        kept = [line for line in text.splitlines() if "javaldx" not in line]
        return "\n".join(kept[-lines:]) or "(empty log)"

    def stop(self) -> None:
        """Quit our soffice: ask over UNO, then SIGTERM, then SIGKILL its process group only.

        The group is the one ``start_new_session`` made for our Popen, so its id is our child's pid.
        The soffice wrapper (oosplash) and soffice.bin are in it; nothing else is.
        """
        proc, self.proc = self.proc, None
        try:
            if proc is not None:
                if _group_alive(proc):
                    self._ask_to_quit(proc)
                for sig in (signal.SIGTERM, signal.SIGKILL):
                    if _group_alive(proc):
                        with contextlib.suppress(ProcessLookupError):
                            os.killpg(proc.pid, sig)
                        _wait_group(proc, STOP_TIMEOUT)
                if proc.poll() is None:
                    proc.kill()
                    proc.wait(timeout=STOP_TIMEOUT)
        finally:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def _ask_to_quit(self, proc: subprocess.Popen[bytes]) -> None:
        """desktop.terminate() over UNO: the clean way out, when LibreOffice still answers."""
        args = [UNO_PYTHON, str(DRIVER), "--pipe", self.pipe, "--terminate", "--timeout", "10"]
        try:
            subprocess.run(args, capture_output=True, timeout=20, check=False)
        except subprocess.TimeoutExpired:
            return
        _wait_group(proc, 10)


def type_steps(cells: dict[str, tuple[str, str]], typed: dict[str, str]) -> list[dict[str, Any]]:
    """Driver steps typing ``typed`` (field id -> text) into ``cells`` (field id -> (sheet, cell))."""
    return [{"op": "type", "sheet": cells[fid][0], "cell": cells[fid][1], "text": text} for fid, text in typed.items()]


def save_steps(out: Path, stem: str, suffixes: tuple[str, ...] = (".xlsx", ".ods")) -> list[dict[str, Any]]:
    """Driver steps saving the document as ``out/stem`` with each suffix (the filter follows it)."""
    return [{"op": "save", "path": str(out / f"{stem}{suffix}")} for suffix in suffixes]


def _group_alive(proc: subprocess.Popen[bytes]) -> bool:
    """Is any process of our soffice's group still running?

    The leader is reaped first (``poll``), so a finished wrapper does not count as alive; while any
    member lives, the kernel does not reuse the group id, so the signal reaches only our group.
    """
    proc.poll()
    try:
        os.killpg(proc.pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def _wait_group(proc: subprocess.Popen[bytes], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while _group_alive(proc):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True
