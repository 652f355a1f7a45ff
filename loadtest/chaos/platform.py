"""One fresh `python -m stack up` per fault, in a run directory of its own, as a
subprocess in a session of its own: the chaos runner knows every PID it may signal
from the lines `stack up` prints, and stops the platform by its PID and its group."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from stack import embedded

ROOT = Path(__file__).resolve().parents[2]
# "[up] gateway        pid 1234    log ..." and "[up] redis (Valkey) pid 1234 ...", then
# "[up] redis exited unexpectedly (see its log); restarted as pid 5678".
STARTED = re.compile(r"\[up\] (\S+)\s.*?\bpid (\d+)")
RESTARTED = re.compile(r"\[up\] (\S+) exited unexpectedly .*restarted as pid (\d+)")
# What the platform must not inherit from whoever runs the matrix: it starts its own.
NOT_INHERITED = ("KAFKA_BOOTSTRAP", "REDIS_URL", "RAY_ADDRESS", "GATEWAY_PORT", "METRICS_PORT")


class StackPlatform:
    """A running `stack up` (loadtest.chaos.fault.Platform)."""

    def __init__(self, run_dir: Path, up_args: tuple[str, ...] = (), say=print):
        self.run_dir = Path(run_dir)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        port = embedded.free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
        self.env.update(GATEWAY_PORT=str(port), METRICS_PORT="0", PYTHONPATH=str(ROOT),
                        ADMIN_TOKEN=self.env.get("ADMIN_TOKEN") or "chaos-admin",
                        AUDIT_TOKEN=self.env.get("AUDIT_TOKEN") or "chaos-audit")
        self._up_args = up_args
        self._say = say
        self.output: list[str] = []
        self.memo: dict[str, object] = {}
        self._proc: subprocess.Popen | None = None
        self._ready = threading.Event()

    # The fault's view (fault.Platform) ------------------------------------------------
    def pid_of(self, name: str) -> int:
        """The newest PID `stack up` printed for this process name."""
        pid = None
        for line in list(self.output):
            m = STARTED.match(line) or RESTARTED.match(line)
            if m and m.group(1) == name:
                pid = int(m.group(2))
        if pid is None:
            raise KeyError(f"`stack up` printed no pid for {name!r}")
        return pid

    def say(self, line: str) -> None:
        self._say(line)

    # Life cycle -------------------------------------------------------------------------
    def start(self, timeout_s: float = 300.0) -> None:
        command = [sys.executable, "-m", "stack", "up", "--run-dir", str(self.run_dir), *self._up_args]
        self._proc = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=subprocess.PIPE,  # noqa: S603 - argv list, no shell: our own `python -m stack up`
                                      stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True,
                                      start_new_session=True)
        threading.Thread(target=self._read_output, name="stack-up-output", daemon=True).start()
        deadline = time.monotonic() + timeout_s
        while not self._ready.wait(0.5):
            if self._proc.poll() is not None:
                raise RuntimeError("`stack up` exited before READY:\n" + "".join(self.output[-30:]))
            if time.monotonic() > deadline:
                raise TimeoutError(f"`stack up` not READY after {timeout_s:.0f} s:\n" + "".join(self.output[-30:]))
        self.env.update(self._printed_addresses())

    def _printed_addresses(self) -> dict[str, str]:
        """KAFKA_BOOTSTRAP and REDIS_URL of the servers `stack up` started, as it printed them."""
        found = {}
        for line in self.output:
            broker = re.search(r"\(Apache Kafka \S+ on (\S+?)\)", line)
            redis_url = re.search(r"redis \(Valkey\).* on (redis://\S+)", line)
            if broker and "KAFKA_BOOTSTRAP" not in found:
                found["KAFKA_BOOTSTRAP"] = broker.group(1)
            if redis_url:
                found["REDIS_URL"] = redis_url.group(1)
        return found

    def _read_output(self) -> None:
        with (self.run_dir / "up.log").open("a") as copy:
            for line in self._proc.stdout:
                self.output.append(line)
                copy.write(line)
                copy.flush()
                if "READY" in line:
                    self._ready.set()

    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def stop(self, timeout_s: float = 90.0) -> int | None:
        """SIGTERM to `stack up` (it stops what it started, by PID), then SIGKILL of its
        process group if it has not exited in time. Returns its exit status."""
        if self._proc is None:
            return None
        if self._proc.poll() is None:
            self._proc.send_signal(signal.SIGTERM)
            try:
                self._proc.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self._say(f"`stack up` did not stop in {timeout_s:.0f} s; killing it and what it started")
                self._kill_groups([self._proc.pid, *self._printed_pids()])
                self._proc.wait(10)
        return self._proc.returncode

    def _printed_pids(self) -> list[int]:
        return [int(m.group(2)) for m in map(lambda line: STARTED.match(line) or RESTARTED.match(line), self.output)
                if m]

    @staticmethod
    def _kill_groups(leaders: list[int]) -> None:
        """Each process `stack up` started leads a session of its own (Ray's local
        processes are in the runner supervisor's): SIGKILL to each of those groups."""
        for pid in leaders:
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
