"""Small factories for policy and mailbox tests: models, scores, entries, mailboxes,
and `outcome()`, which turns a decision into a short tuple a table can state.

Time is plain integers (microseconds): a request opens at OPENED_US and its
deadline is DEADLINE_US, so a test's "clock" is just the now_us it passes."""
from __future__ import annotations

from common.domain import Features, ModelRef, Output, Request, ReturnAddress, Role, Score
from common.mailbox import Entry, Mailbox
from common.policies.base import Choose, Verdict, Wait

OPENED_US = 1_000_000
DEADLINE_US = OPENED_US + 50_000
EARLY_US = OPENED_US + 5_000  # well before the deadline
WAIT = ("wait", DEADLINE_US)  # the outcome "keep waiting until the deadline"
TIMEOUT = ("timeout", None)


def ref(spec: str) -> ModelRef:
    """"a" is a:v1; "a:v2" names the version."""
    name, _, version = spec.partition(":")
    return ModelRef(name, version or "v1")


def request(request_id: str = "r1") -> Request:
    return Request(request_id=request_id, data_type="iris", input=Features(values=(1.0, 2.0)),
                   reply_to=ReturnAddress("answers", f"c-{request_id}"), enqueued_at_us=OPENED_US)


def entry(model: str, label: str = "x", *, at: int = 1, role: Role = Role.SERVE, quality: float = 0.5,
          confidence: float = 0.5, error: str = "") -> Entry:
    """A score from `model` that arrived `at` microseconds after the request opened."""
    score = Score(request_id="r1", data_type="iris", model=ref(model), output=Output(label=label),
                  confidence=confidence, error=error)
    return Entry(score, role, quality, OPENED_US + at)


def failed(model: str, *, at: int = 1, role: Role = Role.SERVE, quality: float = 0.5) -> Entry:
    return entry(model, "", at=at, role=role, quality=quality, error="model crashed")


def warm(model: str, label: str = "x", *, at: int = 1, quality: float = 0.99, confidence: float = 0.99) -> Entry:
    return entry(model, label, at=at, role=Role.WARM, quality=quality, confidence=confidence)


def mailbox(*entries: Entry, expected: tuple[str, ...] = ()) -> Mailbox:
    """A mailbox expecting the named models, holding `entries` in the given (arrival) order."""
    box = Mailbox(request(), arrived_us=OPENED_US, deadline_us=DEADLINE_US,
                  expected=frozenset(ref(m) for m in expected))
    for e in entries:
        assert box.add(e), f"duplicate entry {e.model} in a test table"
    return box


def outcome(decision: Verdict) -> tuple[str, object]:
    """("wait", until_us), or (reason, "model:version" or None) for a Choose."""
    if isinstance(decision, Wait):
        return ("wait", decision.until_us)
    assert isinstance(decision, Choose), decision
    return (decision.reason.value, str(decision.entry.model) if decision.entry else None)
