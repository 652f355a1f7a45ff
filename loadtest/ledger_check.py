"""The reliability contract, checked from a ledger after a run.

Every request the platform accepted must get exactly one answer: the official
one (200), a timeout answer (504 with reason "timeout") or the answer that every
model failed (502 with reason "error").  From the ledger:

* ``lost``          accepted (not rejected with 4xx, 429 or 503) but none of those
                    answers: other 5xx, transport errors, silence
* ``duplicate``     an extra answer for a client id or request_id already answered
* ``unexpected``    an answer for a client id that was never sent
* ``wrong_version`` an official answer from a model not in ``known_versions``
* ``late``          (reported, not failing) an answer more than
                    ``deadline_grace_ms`` past the deadline the request carried
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

from loadtest.ledger import read_ledger
from loadtest.stats import latency_summary

FAILING = ("lost", "duplicate", "unexpected", "wrong_version")
EXAMPLES_PER_KIND = 10  # ids listed per problem, enough to start digging


def check_ledger(path: Path | str, deadline_grace_ms: float, known_versions=None) -> dict:
    """Check the ledger at ``path``; ``known_versions`` is a set of (name, version)."""
    return check_entries(read_ledger(path), deadline_grace_ms, known_versions)


def is_rejection(status) -> bool:
    return isinstance(status, int) and (400 <= status < 500 or status == 503)


def is_official(status) -> bool:
    return status == "ok" or (isinstance(status, int) and 200 <= status < 300)


def is_explicit_answer(entry: dict) -> bool:
    """The platform's own answers that carry no output: the timeout answer (504) and the
    answer that every model failed (502, reason error). Answered, so not lost."""
    status, reason = entry.get("status"), str(entry.get("reason") or "").lower()
    return (status in ("timeout", "model-error") or (status == 504 and reason == "timeout")
            or (status == 502 and reason == "error"))


def check_entries(entries: list[dict], deadline_grace_ms: float, known_versions=None) -> dict:
    sends = {e["client_id"]: e for e in entries if e.get("sent_at") is not None or e.get("scheduled_at") is not None}
    answers = [e for e in entries if e.get("status") is not None]
    problems: dict[str, list] = {kind: [] for kind in (*FAILING, "late")}
    answered_ids: dict[str, list[dict]] = defaultdict(list)
    seen_request_ids: set[str] = set()
    for answer in answers:
        client_id, request_id = answer.get("client_id"), answer.get("request_id")
        if client_id not in sends:
            problems["unexpected"].append(client_id or request_id)
            continue
        if answered_ids[client_id] or (request_id and request_id in seen_request_ids):
            problems["duplicate"].append(request_id or client_id)
        answered_ids[client_id].append(answer)
        seen_request_ids.add(request_id)
        model = (answer.get("model_name"), answer.get("model_version"))
        if known_versions is not None and is_official(answer["status"]) and model not in known_versions:
            problems["wrong_version"].append(request_id or client_id)
        if _is_late(answer, sends[client_id], deadline_grace_ms):
            problems["late"].append(request_id or client_id)
    for client_id in sends:
        if _is_lost(answered_ids.get(client_id, ())):
            problems["lost"].append(client_id)
    return _summary(sends, answers, problems)


def _is_lost(answers) -> bool:
    if any(is_rejection(a["status"]) for a in answers):
        return False
    return not any(is_official(a["status"]) or is_explicit_answer(a) for a in answers)


def _is_late(answer: dict, send: dict, grace_ms: float) -> bool:
    deadline = answer.get("deadline_ms") or send.get("deadline_ms")
    if not deadline:
        return False  # 0 or absent: the policy's deadline, unknown to the client
    waited = answer.get("service_ms")
    if waited is None and answer.get("answered_at") and send.get("sent_at"):
        waited = (answer["answered_at"] - send["sent_at"]) * 1000.0
    return waited is not None and waited > deadline + grace_ms


def _summary(sends: dict, answers: list, problems: dict) -> dict:
    measured = [a["latency_ms"] for a in answers if a.get("latency_ms") is not None and not a.get("warmup")]
    latency = latency_summary(measured, (50, 99, 99.9))
    failures = [kind for kind in FAILING if problems[kind]]
    return {
        "sent": len(sends),
        "answers": len(answers),
        "rejected": sum(1 for a in answers if is_rejection(a["status"])),
        **{kind: len(ids) for kind, ids in problems.items()},
        "by_status": dict(Counter(str(a["status"]) for a in answers).most_common()),
        "by_reason": dict(Counter(str(a.get("reason")) for a in answers if a.get("reason")).most_common()),
        "latency_ms": {key: latency[key] for key in ("count", "p50", "p99", "p99.9")},
        "examples": {kind: ids[:EXAMPLES_PER_KIND] for kind, ids in problems.items() if ids},
        "failures": failures,
        "passed": not failures,
    }


def format_check(result: dict) -> str:
    """A short human summary of ``check_entries``'s result."""
    verdict = "PASS" if result["passed"] else "FAIL (" + ", ".join(result["failures"]) + ")"
    counts = "  ".join(f"{kind} {result[kind]}" for kind in (*FAILING, "late", "rejected"))
    return f"ledger check: {verdict}\n  sent {result['sent']}  answers {result['answers']}  {counts}"
