"""The processes `make up` started, stopped by their own PIDs and nothing else."""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Callable

RESTARTS_PER_MINUTE = 5


class ProcessGroup:
    def __init__(self) -> None:
        self._procs: dict[str, subprocess.Popen] = {}
        self._specs: dict[str, tuple[list[str], dict, Path]] = {}
        self._restarts: dict[str, list[float]] = {}
        self._restarters: dict[str, Callable[[], subprocess.Popen]] = {}  # adopted servers that may restart

    def start(self, name: str, command: list[str], env: dict, log_path: Path) -> None:
        self._specs[name] = (command, env, log_path)
        log = open(log_path, "ab")
        # A session of its own: Ctrl-C reaches only `up`, which stops children in order,
        # and Ray's local processes (children of the supervisor) share its process group.
        self._procs[name] = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT,  # noqa: S603 - argv list, no shell: stack/up.py's fixed `python -m <service>`
                                             stdin=subprocess.DEVNULL, start_new_session=True)

    def restart_if_allowed(self, name: str) -> bool:
        """Start a crashed process again, unless it crashed too often (then give up)."""
        if name not in self._specs and name not in self._restarters:
            return False  # an adopted server with no way to restart it (the broker)
        now = time.monotonic()
        recent = [t for t in self._restarts.get(name, []) if now - t < 60] + [now]
        self._restarts[name] = recent
        if len(recent) > RESTARTS_PER_MINUTE:
            return False
        self._kill_leftovers(self._procs[name].pid)
        if name in self._restarters:
            self._procs[name] = self._restarters[name]()
        else:
            self.start(name, *self._specs[name])
        return True

    def adopt(self, name: str, proc: subprocess.Popen, restart: Callable[[], subprocess.Popen] | None = None) -> None:
        """A server started elsewhere; `restart` starts it again the same way (same port,
        same data) and returns once it serves again."""
        self._procs[name] = proc
        if restart is not None:
            self._restarters[name] = restart

    def pid(self, name: str) -> int:
        return self._procs[name].pid

    def first_dead(self) -> str | None:
        return next((n for n, p in self._procs.items() if p.poll() is not None), None)

    def stop_all(self, timeout: float = 20.0) -> None:
        """SIGTERM in reverse start order (gateway first, broker last), then SIGKILL
        what is left of each child's own process group."""
        for name, proc in reversed(list(self._procs.items())):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(5)
            self._kill_leftovers(proc.pid)

    @staticmethod
    def _kill_leftovers(pgid: int) -> None:
        try:
            os.killpg(pgid, signal.SIGKILL)  # the group this child led: only what it started
        except (ProcessLookupError, PermissionError):
            pass
