"""The audit store on a real Redis: records, the record-id index, late scores and
serving stats, with redelivered decisions counted once."""
import pytest
import redis

from common.domain import (Answer, Decision, Features, ModelLatency, ModelRef, Output, Reason, Request,
                           ReturnAddress, Score)
from registry.audit import AuditStore
from registry.client import AuditClient

pytestmark = pytest.mark.timeout(30)


def decision(unique, rid, label_a="x", label_b="y", winner="a"):
    a, b = ModelRef(f"a{unique}", "1"), ModelRef(f"b{unique}", "2")
    request = Request(rid, f"dt{unique}", Features((1.0, 2.0)), ReturnAddress("replies.g", rid), 1_000_000,
                      record_id=f"rec{unique}")
    scores = (Score(rid, request.data_type, a, Output(label_a)), Score(rid, request.data_type, b, Output(label_b)))
    chosen = a if winner == "a" else b
    answer = Answer(rid, rid, request.data_type, "deadline", Reason.PREFERRED, Output(label_a if winner == "a" else label_b),
                    chosen, request.record_id, (ModelLatency(a, 2_000), ModelLatency(b, 4_000)), (), 1_500, 1_005_000)
    return decision_obj(request, answer, scores), a, b


def decision_obj(request, answer, scores):
    return Decision(request, answer, scores)


def test_audit_record_index_late_scores_and_stats(redis_url, unique):
    client = redis.Redis.from_url(redis_url)
    store, queries = AuditStore(client, retention_s=600), AuditClient(client)
    first, a, b = decision(unique, f"r1-{unique}")
    second, _, _ = decision(unique, f"r2-{unique}", label_b="x")
    store.record_decisions([first, second])
    store.record_decisions([first])  # redelivered: counted once
    store.record_late([Score(first.request.request_id, first.request.data_type, ModelRef(f"c{unique}", "1"),
                             Output("z"))])

    record = queries.audit(first.request.request_id)
    assert record["request"]["input"]["values"] == [1.0, 2.0] and record["request"]["record_id"] == f"rec{unique}"
    assert [(s["model"]["name"], s["latency_ms"], s["late"]) for s in record["scores"]] == [
        (a.name, 2.0, False), (b.name, 4.0, False), (f"c{unique}", None, True)]
    assert record["decision"]["reason"] == "preferred" and record["decision"]["model"]["name"] == a.name

    history = queries.by_record(f"rec{unique}")
    assert [h["request_id"] for h in history] == [f"r1-{unique}", f"r2-{unique}"]
    assert all(h["model"] == {"name": a.name, "version": "1"} for h in history)

    stats_a = queries.model_stats(a.name)["1"]
    assert (stats_a["count"], stats_a["wins"], stats_a["errors"], stats_a["agreement"]) == (2, 2, 0, 1.0)
    stats_b = queries.model_stats(b.name)["2"]
    assert (stats_b["count"], stats_b["wins"], stats_b["agreement"]) == (2, 0, 0.5)
    assert stats_b["latency_ms"]["p50"] == 4.0
    assert queries.model_stats(f"c{unique}")["1"]["late"] == 1
    dt = queries.data_type_stats(first.request.data_type)
    assert dt["answers"] == 2 and dt["reasons"] == {"preferred": 2} and dt["latency_ms"]["max"] == 5.0
    assert queries.audit("nope") is None
