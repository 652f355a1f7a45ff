"""Recorded decisions with known answers, for replay tests: each row has an official
label from the champion, a backstop's score, and the candidate's known label, so a
test can state the exact agreement and confusion it expects."""
from __future__ import annotations

from common.domain import (Answer, Decision, Features, ModelLatency, ModelRef, Output, Reason, Request,
                           ReturnAddress, Score)

CHAMPION, BACKSTOP, CANDIDATE = ModelRef("forest", "1"), ModelRef("logreg", "1"), ModelRef("forest", "2")
T0_US = 1_700_000_000_000_000


def decision(i: int, official: str, backstop: str, *, data_type: str = "iris", enqueued_us: int | None = None,
             features: tuple[float, ...] = (5.1, 3.5, 1.4, 0.2)) -> Decision:
    """Request i, answered by the champion (preferred) with `official`; the backstop said `backstop`."""
    rid = f"r{i}"
    enqueued = T0_US + i * 1000 if enqueued_us is None else enqueued_us
    request = Request(rid, data_type, Features(values=features), ReturnAddress("replies.x", rid), enqueued,
                      deadline_ms=100)
    scores = (Score(rid, data_type, CHAMPION, Output(official), 0.9, enqueued, enqueued + 100, enqueued + 600),
              Score(rid, data_type, BACKSTOP, Output(backstop), 0.8, enqueued, enqueued + 100, enqueued + 300))
    answer = Answer(rid, rid, data_type, "deadline", Reason.PREFERRED, Output(official), CHAMPION,
                    answered=(ModelLatency(CHAMPION, 2000), ModelLatency(BACKSTOP, 1500)),
                    waited_us=2000, decided_at_us=enqueued + 2000)
    return Decision(request, answer, scores)


def candidate_score(d: Decision, label: str, error: str = "") -> Score:
    at = d.request.enqueued_at_us
    if error:
        return Score(d.request.request_id, d.request.data_type, CANDIDATE, error=error)
    return Score(d.request.request_id, d.request.data_type, CANDIDATE, Output(label), 0.7, at, at + 1000, at + 1400)
