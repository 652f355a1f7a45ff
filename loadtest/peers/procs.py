"""Servers the benchmark starts: each in its own session, logged to a file, and
stopped by its own PID (SIGTERM, a wait, then SIGKILL of the process group it
leads, which holds only what it started).  Never pkill, killall or ray stop."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def child_env(**extra: str) -> dict:
    """This environment, with the repo importable, without the platform's infra settings."""
    env = {k: v for k, v in os.environ.items() if k not in ("KAFKA_BOOTSTRAP", "REDIS_URL", "RAY_ADDRESS")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env.update(extra)
    return env


class Server:
    """One started server process; ``stop`` is idempotent."""

    def __init__(self, name: str, command: list[str], log_path: Path, env: dict | None = None,
                 stdout_pipe: bool = False) -> None:
        self.name, self.command, self.log_path = name, command, log_path
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(  # noqa: S603 - argv list, no shell: commands the bench builds itself
            command, cwd=ROOT, env=env or child_env(), stdin=subprocess.DEVNULL, start_new_session=True,
            stdout=subprocess.PIPE if stdout_pipe else self._log, stderr=subprocess.STDOUT,
            text=stdout_pipe or None)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self, timeout: float = 60.0) -> list[str]:
        """SIGTERM, wait, then SIGKILL what is left: the process group it led, and every
        descendant seen before the stop (Ray's workers lead process groups of their own).
        Returns the command lines of the leftovers that had to be killed."""
        family = cpu_snapshot([self.proc.pid]) if self.proc.poll() is None else {}
        family.pop(self.proc.pid, None)
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # what is left of the group it led: only its own
        except (ProcessLookupError, PermissionError):
            pass
        killed = []
        for pid, (cmdline, _) in family.items():
            if _cmdline(pid) == cmdline and cmdline:  # the same process, not a reused PID
                try:
                    os.kill(pid, signal.SIGKILL)
                    killed.append(cmdline[:80])
                except (ProcessLookupError, PermissionError):
                    pass
        self._log.close()  # a stdout pipe is left to its reader, which sees EOF now
        return killed


def python_server(name: str, module: str, args: list[str], log_dir: Path, env: dict | None = None,
                  stdout_pipe: bool = False) -> Server:
    return Server(name, [sys.executable, "-m", module, *args], log_dir / f"{name}.log", env, stdout_pipe)


def wait_for_answer(url: str, body: dict, server: Server, timeout: float, want=lambda r: r.status_code == 200,
                    in_a_row: int = 3) -> float:
    """POST ``body`` until ``in_a_row`` answers in a row satisfy ``want``; returns seconds waited."""
    started = time.monotonic()
    streak = 0
    last = "no answer yet"
    with httpx.Client(timeout=5) as client:
        while time.monotonic() - started < timeout:
            if not server.alive():
                raise RuntimeError(f"{server.name} exited (see {server.log_path})")
            try:
                response = client.post(url, json=body)
                ok = want(response)
                last = f"{response.status_code} {response.text[:200]}"
            except httpx.HTTPError as exc:
                ok, last = False, f"{type(exc).__name__}: {exc}"
            streak = streak + 1 if ok else 0
            if streak >= in_a_row:
                return time.monotonic() - started
            time.sleep(0.1 if ok else 0.5)
    raise TimeoutError(f"{server.name} gave no good answer at {url} within {timeout:.0f} s; last: {last}")


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds used, user + system) of a live process."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2:].split()  # after "pid (comm) "; comm may hold spaces
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) a live process has used."""
    stat = _stat(pid)
    if stat is None:
        raise ProcessLookupError(pid)
    return stat[1]


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def cpu_snapshot(root_pids: list[int]) -> dict[int, tuple[str, float]]:
    """{pid: (command line, CPU seconds)} of the given processes and all their descendants."""
    stats = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _stat(int(entry))
            if stat is not None:
                stats[int(entry)] = stat
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in stats.items():
        children.setdefault(parent, []).append(pid)
    found, stack = {}, [p for p in root_pids if p in stats]
    while stack:
        pid = stack.pop()
        if pid in found:
            continue
        found[pid] = (_cmdline(pid), stats[pid][1])
        stack.extend(children.get(pid, ()))
    return found


def descendants(root_pid: int) -> list[int]:
    return sorted(cpu_snapshot([root_pid]))
