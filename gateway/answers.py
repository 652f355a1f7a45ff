"""How an official answer looks over HTTP: 200 with the answer, 504 with an explicit
timeout answer when no model answered by the deadline, or 502 when every expected
model answered with an error (the upstream models failed, not the wait)."""
from __future__ import annotations

from common.domain import Answer, Reason, Request

# Reasons that carry no output, with their status and what the client is told.
_FAILURES = {
    Reason.TIMEOUT: (504, "no model answered by the deadline"),
    Reason.ERROR: (502, "every model answered with an error"),
}


def _tag(ref) -> dict | None:
    return {"name": ref.name, "version": ref.version} if ref else None


def answer_body(request: Request, answer: Answer | None, latency_ms: float) -> tuple[int, dict]:
    if answer is None:  # the rendezvous's own timeout answer didn't arrive either
        return 504, {"request_id": request.request_id, "data_type": request.data_type,
                     "record_id": request.record_id or None, "output": None, "model": None,
                     "policy": "", "reason": Reason.TIMEOUT.value, "latency_ms": round(latency_ms, 3),
                     "error": "no answer by the deadline"}
    body = {
        "request_id": answer.request_id, "data_type": answer.data_type, "record_id": answer.record_id or None,
        "output": {"label": answer.output.label, "values": list(answer.output.values)}
        if answer.model else None,
        "model": _tag(answer.model), "policy": answer.policy, "reason": answer.reason.value,
        "latency_ms": round(latency_ms, 3), "waited_ms": round(answer.waited_us / 1000, 3),
        "answered": [{"model": _tag(a.model), "latency_ms": round(a.latency_us / 1000, 3)} for a in answer.answered],
        "errored": [{"model": _tag(e.model), "error": e.error, "latency_ms": round(e.latency_us / 1000, 3)}
                    for e in answer.errored],
        "late": [_tag(m) for m in answer.late]}
    failure = _FAILURES.get(answer.reason)
    if failure is not None:
        status, body["error"] = failure
        return status, body
    return 200, body
