"""Policies set over the admin API, decisions carried in answers, audit records and
serving stats, end to end on the demo data type."""
from __future__ import annotations

import time

import httpx
import pytest

from stack.demo import BACKSTOP, CHAMPION

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]
SETOSA = [5.1, 3.5, 1.4, 0.2]


def eventually(fetch, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = fetch()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError("condition not met in time")


def test_policy_put_is_validated_and_applied(platform, admin):
    bad = admin.put("/v1/data-types/iris/policy", json={"policy": "deadline", "params": {"deadline_ms": 50}})
    assert bad.status_code == 422
    assert ["body", "deadline", "params", "preferred"] in [d["loc"] for d in bad.json()["detail"]]
    unknown = admin.put("/v1/data-types/iris/policy", json={"policy": "fastest"})
    assert unknown.status_code == 422 and "'fastest'" in unknown.json()["detail"][0]["msg"]
    assert httpx.put(f"{platform.url}/v1/data-types/iris/policy", json={"policy": "first"}).status_code == 401
    ok = admin.put("/v1/data-types/iris/policy",
                   json={"policy": "first", "params": {"deadline_ms": 100}})
    assert ok.status_code == 202

    def first_policy_in_force():
        body = httpx.post(f"{platform.url}/v1/predict/iris", json={"features": SETOSA}).json()
        return body if body["policy"] == "first" else None

    assert eventually(first_policy_in_force)["reason"] == "first"
    assert admin.get("/v1/data-types/iris/policy").json()["policy"] == "first"
    restore = admin.put("/v1/data-types/iris/policy", json={"policy": "deadline", "params": {
        "preferred": CHAMPION, "backstop": BACKSTOP, "deadline_ms": 100}})
    assert restore.status_code == 202
    eventually(lambda: httpx.post(f"{platform.url}/v1/predict/iris", json={"features": SETOSA})
               .json()["policy"] == "deadline")


def test_audit_answers_which_version_scored_a_record_and_why(platform, auditor):
    record_id = f"audit-{time.time_ns()}"
    answers = [httpx.post(f"{platform.url}/v1/predict/iris", json={"features": SETOSA, "record_id": record_id}).json()
               for _ in range(3)]
    first = answers[0]
    record = eventually(lambda: (r := auditor.get(f"/v1/audit/{first['request_id']}")).status_code == 200 and r.json())
    assert record["request"]["record_id"] == record_id and record["request"]["input"]["values"] == SETOSA
    assert record["decision"]["reason"] == first["reason"] and record["decision"]["model"] == first["model"]
    assert {s["model"]["name"] for s in record["scores"]} >= {first["model"]["name"]}
    on_time = [s for s in record["scores"] if s["late"] is False]
    late = [s for s in record["scores"] if s["late"] is True]
    assert len(on_time) + len(late) == len(record["scores"])  # every score is flagged, one way or the other
    assert first["model"] in [s["model"] for s in on_time]  # the answer came from a score that was in time
    assert all(isinstance(s["latency_ms"], float) for s in on_time if not s["error"])
    assert all(s["latency_ms"] is None for s in late)  # a late score never counted towards the answer
    history = eventually(lambda: len(r := auditor.get("/v1/audit", params={"record_id": record_id})
                                     .json()["requests"]) == 3 and r)
    assert [h["request_id"] for h in history] == [a["request_id"] for a in answers]
    assert all(h["model"]["version"] == "1" for h in history)
    assert auditor.get("/v1/audit/no-such-request").status_code == 404


def test_serving_stats_per_model_version_and_data_type(platform, auditor):
    for _ in range(5):
        httpx.post(f"{platform.url}/v1/predict/iris", json={"features": SETOSA})
    stats = eventually(lambda: (r := auditor.get(f"/v1/models/{CHAMPION}/stats")).status_code == 200 and r.json())
    version = stats["versions"]["1"]
    assert version["count"] >= 1 and version["latency_ms"]["p50"] is not None
    assert set(version) >= {"count", "wins", "late", "errors", "agreement", "latency_ms"}
    data_type = auditor.get("/v1/data-types/iris/stats").json()
    assert data_type["answers"] >= 5 and set(data_type["reasons"]) <= {"preferred", "backstop", "timeout", "first"}
