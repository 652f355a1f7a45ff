"""The windowed serving stats end to end: predictions over HTTP show up in the
gateway's /stats/windows series; the stats process is killed with SIGKILL, `stack up`
restarts it, and the series come back from the changelogs with what was answered
while it was down added and nothing counted twice. The reference is the registry's
all-time count, written from the same decisions topic by another consumer. The two may
differ by a constant: the windows count decision records, the registry request ids,
and a rendezvous killed between publishing a decision and confirming it publishes it
again (an earlier test kills one). What this test adds must move both alike."""
from __future__ import annotations

import os
import signal
import time

import httpx
import pytest

from stack.demo import CHAMPION

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]
SETOSA = [5.1, 3.5, 1.4, 0.2]


def windows_total(auditor) -> int | None:
    response = auditor.get("/v1/data-types/iris/stats/windows", params={"width": "60s", "limit": 1000})
    if response.status_code == 503:  # down, or recovering its windows
        assert response.headers["Retry-After"]
        return None
    assert response.status_code == 200, response.text
    return sum(w["answers"] for w in response.json()["windows"])


def registry_total(auditor) -> int:
    return auditor.get("/v1/data-types/iris/stats").json().get("answers", 0)


def settled(auditor, timeout: float = 120.0) -> tuple[int, int]:
    """(windows, registry) once neither moved for 3 s: earlier tests' traffic is counted."""
    deadline, last, since = time.monotonic() + timeout, None, time.monotonic()
    while time.monotonic() < deadline:
        now = (windows_total(auditor), registry_total(auditor))
        if now != last:
            last, since = now, time.monotonic()
        elif now[0] is not None and time.monotonic() - since > 3:
            return now
        time.sleep(0.5)
    raise AssertionError(f"the counts never settled; last (windows, registry) {last}")


def agreeing(auditor, gap: int, at_least: int, timeout: float = 120.0) -> int:
    """Wait until windows - registry is `gap` again with the registry at `at_least` or more."""
    deadline, seen = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        seen = (windows_total(auditor), registry_total(auditor))
        if seen[0] is not None and seen[0] - seen[1] == gap and seen[1] >= at_least:
            return seen[1]
        time.sleep(0.5)
    raise AssertionError(f"windows - registry never came back to {gap} with the registry at {at_least} or more: "
                         f"last (windows, registry) {seen}")


def predict(platform, n: int) -> int:
    """Answers given (200, or 504 at the gateway: the rendezvous decides a timeout then, too)."""
    with httpx.Client(base_url=platform.url, timeout=30) as client:
        return sum(client.post("/v1/predict/iris", json={"features": SETOSA}).status_code in (200, 504)
                   for _ in range(n))


def test_windows_are_served_and_survive_a_kill_of_the_stats_app(platform, auditor):
    assert httpx.get(f"{platform.url}/v1/data-types/iris/stats/windows").status_code == 401
    windows, start = settled(auditor)
    gap = windows - start  # 0 unless a decision was published twice before this test
    answered = predict(platform, 20)
    before = agreeing(auditor, gap, start + answered)
    assert answered >= 15
    ten = auditor.get("/v1/data-types/iris/stats/windows", params={"width": "10s", "limit": 3}).json()
    assert 1 <= len(ten["windows"]) <= 3 and all(w["end"] - w["start"] == 10 for w in ten["windows"])
    assert ten["windows"][-1]["latency_ms"]["p50"] > 0
    models = auditor.get(f"/v1/models/{CHAMPION}/stats/windows", params={"width": "60s"}).json()
    assert sum(w["scored"] for series in models["versions"].values() for w in series) >= answered

    pid = platform.pids["stats"]
    os.kill(pid, signal.SIGKILL)
    answered_while_down = predict(platform, 15)  # while the stats app is down or restarting
    deadline = time.monotonic() + 60
    while platform.pids["stats"] == pid and time.monotonic() < deadline:
        time.sleep(0.2)
    assert platform.pids["stats"] != pid, "stack up did not restart the stats app"
    after = agreeing(auditor, gap, before + answered_while_down)
    time.sleep(3)  # past a commit interval and a batch: a record folded twice would show by now
    assert (windows_total(auditor), registry_total(auditor)) == (after + gap, after)
