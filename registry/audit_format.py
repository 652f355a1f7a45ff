"""What an audit record looks like: the request as received, every score with its
model version, latency and a late flag, and the decision with its reason and the
models that answered with an error."""
from __future__ import annotations

from common.domain import Decision, ModelRef, Score


def _ref(ref: ModelRef | None) -> dict | None:
    return {"name": ref.name, "version": ref.version} if ref else None


def score_record(s: Score, latency_ms: float | None, late: bool) -> dict:
    return {"model": _ref(s.model), "output": {"label": s.output.label, "values": list(s.output.values)},
            "confidence": s.confidence, "error": s.error or None, "latency_ms": latency_ms, "late": late,
            "runner": {"queued_us": s.queued_us, "started_us": s.started_us, "finished_us": s.finished_us}}


def decision_record(d: Decision) -> dict:
    request, answer = d.request, d.answer
    latencies = {a.model: round(a.latency_us / 1000, 3) for a in (*answer.answered, *answer.errored)}
    return {
        "request": {"request_id": request.request_id, "data_type": request.data_type,
                    "record_id": request.record_id or None,
                    "input": {"values": list(request.input.values), "named": dict(request.input.named)},
                    "enqueued_at_us": request.enqueued_at_us, "deadline_ms": request.deadline_ms or None,
                    "reply_to": request.reply_to.topic},
        "scores": [score_record(s, latencies.get(s.model), late=False) for s in d.scores],
        "decision": {"policy": answer.policy, "reason": answer.reason.value, "model": _ref(answer.model),
                     "output": {"label": answer.output.label, "values": list(answer.output.values)}
                     if answer.model else None,
                     "errored": [{"model": _ref(e.model), "error": e.error} for e in answer.errored],
                     "late": [_ref(m) for m in answer.late], "waited_ms": round(answer.waited_us / 1000, 3),
                     "decided_at_us": answer.decided_at_us},
    }
