"""The windowed serving stats end to end: predictions over HTTP show up in the
gateway's /stats/windows series; the stats process is killed with SIGKILL, `stack up`
restarts it, and the series come back from the changelogs, the same, with what was
answered while it was down added and nothing counted twice."""
from __future__ import annotations

import os
import signal
import time

import httpx
import pytest

from stack.demo import CHAMPION

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]
SETOSA = [5.1, 3.5, 1.4, 0.2]


def answered(auditor, width: str = "60s") -> int | None:
    response = auditor.get("/v1/data-types/iris/stats/windows", params={"width": width, "limit": 1000})
    if response.status_code == 503:
        assert response.headers["Retry-After"]
        return None
    assert response.status_code == 200, response.text
    return sum(w["answers"] for w in response.json()["windows"])


def settled(auditor, timeout: float = 90.0) -> int:
    """The total once it stopped moving (the stats lag the answers by a batch)."""
    deadline, last, same_since = time.monotonic() + timeout, None, time.monotonic()
    while time.monotonic() < deadline:
        now = answered(auditor)
        if now is not None and now == last and time.monotonic() - same_since > 3:
            return now
        if now != last:
            last, same_since = now, time.monotonic()
        time.sleep(0.5)
    raise AssertionError(f"the windows never settled; last {last}")


def predict(platform, n: int) -> None:
    with httpx.Client(base_url=platform.url, timeout=30) as client:
        for _ in range(n):
            assert client.post("/v1/predict/iris", json={"features": SETOSA}).status_code == 200


def test_windows_are_served_and_survive_a_kill_of_the_stats_app(platform, auditor):
    assert httpx.get(f"{platform.url}/v1/data-types/iris/stats/windows").status_code == 401
    predict(platform, 20)
    before = settled(auditor)
    assert before >= 20
    ten = auditor.get("/v1/data-types/iris/stats/windows", params={"width": "10s", "limit": 3}).json()
    assert 1 <= len(ten["windows"]) <= 3 and all(w["end"] - w["start"] == 10 for w in ten["windows"])
    assert ten["windows"][-1]["latency_ms"]["p50"] > 0
    models = auditor.get(f"/v1/models/{CHAMPION}/stats/windows", params={"width": "60s"}).json()
    assert sum(w["scored"] for series in models["versions"].values() for w in series) >= 20

    pid = platform.pids["stats"]
    os.kill(pid, signal.SIGKILL)
    predict(platform, 15)  # answered while the stats app is down or restarting
    deadline = time.monotonic() + 60
    while platform.pids["stats"] == pid and time.monotonic() < deadline:
        time.sleep(0.2)
    assert platform.pids["stats"] != pid, "stack up did not restart the stats app"
    assert settled(auditor) == before + 15
