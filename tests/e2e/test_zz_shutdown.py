"""Runs last (file order): SIGTERM to `stack up` stops every process it started."""
from __future__ import annotations

import os
import signal
import subprocess

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]


def test_sigterm_stops_every_process_it_started(platform):
    pids = platform.pids
    assert {"broker", "redis", "registry", "rendezvous", "model_runners", "gateway"} <= set(pids)
    platform.proc.send_signal(signal.SIGTERM)
    assert platform.proc.wait(90) == 0
    alive = [name for name, pid in pids.items() if _alive(pid)]
    assert alive == []
    # Ray's local processes belonged to the supervisor's process group: none may be left.
    leftover = subprocess.run(["pgrep", "-g", str(pids["model_runners"])], capture_output=True, text=True).stdout
    assert leftover.strip() == ""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return not open(f"/proc/{pid}/stat").read().split()[2] == "Z"
