"""The transport-neutral rendezvous: requests, scores and ticks in; decisions out.

It keeps a mailbox per open request, asks the data type's policy what to do, and
emits exactly one Answered per request. Scores may come in any order: duplicates
change nothing, early ones wait (bounded, expiring) for their request, late ones are
reported but never change an answer. Time is always passed in."""
from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import Any

from common.domain import (Answer, Decision, ModelError, ModelLatency, Output, Reason, Request, Role,
                           Score)
from rendezvous.bounded import AnsweredIds, EarlyScores
from rendezvous.catalog import Catalog
from common.mailbox import Entry, Mailbox
from common.policies.base import Choose, Wait


@dataclass(frozen=True, slots=True)
class Answered:
    decision: Decision
    source: Any  # the request's origin, so the adapter can release its offset


@dataclass(frozen=True, slots=True)
class LateScore:
    score: Score
    source: Any


@dataclass(frozen=True, slots=True)
class Rejected:
    """A message the rendezvous can't use (unknown version, no such request): dead-letter it."""

    reason: str
    source: Any


@dataclass(frozen=True, slots=True)
class Absorbed:
    """A message fully handled with nothing to emit (a duplicate, a replayed request)."""

    source: Any


Effect = Answered | LateScore | Rejected | Absorbed


class RendezvousCore:
    def __init__(self, catalog: Catalog, *, early_limit: int = 10_000, early_ttl_us: int = 30_000_000,
                 answered_limit: int = 200_000, answered_ttl_us: int = 300_000_000):
        self.catalog = catalog
        self.open: dict[str, tuple[Mailbox, Any]] = {}
        self._timers: list[tuple[int, str]] = []
        self._early = EarlyScores(early_limit, early_ttl_us)
        self._answered = AnsweredIds(answered_limit, answered_ttl_us)

    # Inputs ----------------------------------------------------------------------
    def on_request(self, request: Request, now_us: int, source: Any = None) -> list[Effect]:
        rid = request.request_id
        if rid in self.open or rid in self._answered:
            return [Absorbed(source)]  # redelivered: it has (or will get) its one answer
        policy = self.catalog.policy_for(request.data_type)
        budget_ms = min(policy.deadline_ms, request.deadline_ms or policy.deadline_ms)
        mailbox = Mailbox(request, arrived_us=now_us, deadline_us=request.enqueued_at_us + budget_ms * 1000,
                          policy=policy.name, expected=self.catalog.expected(request.data_type),
                          backstops=self.catalog.backstops(request.data_type))
        self.open[rid] = (mailbox, source)
        outcomes: list[Effect] = []
        for score, arrived_us, score_source in self._early.take(rid):
            outcomes.extend(self._add_score(mailbox, score, arrived_us, score_source))
        outcomes.extend(self._evaluate(rid, now_us))
        return outcomes

    def on_score(self, score: Score, now_us: int, source: Any = None) -> list[Effect]:
        if not self.catalog.knows(score.model):
            return [Rejected(f"score from unknown model version {score.model}", source)]
        rid = score.request_id
        if rid in self._answered:
            return [LateScore(score, source)]
        opened = self.open.get(rid)
        if opened is None:
            dropped = self._early.keep(score, now_us, source)
            return [*(Rejected("no request arrived for this score (early buffer full)", s) for s in dropped),
                    Absorbed(source)]
        return self._add_score(opened[0], score, now_us, source) + self._evaluate(rid, now_us)

    def on_tick(self, now_us: int) -> list[Effect]:
        outcomes: list[Effect] = []
        while self._timers and self._timers[0][0] <= now_us:
            _, rid = heapq.heappop(self._timers)
            if rid in self.open:
                outcomes.extend(self._evaluate(rid, now_us))
        outcomes.extend(Rejected("no request arrived for this score", s) for s in self._early.expire(now_us))
        self._answered.forget_old(now_us)
        return outcomes

    def next_wake_us(self) -> int | None:
        return self._timers[0][0] if self._timers else None

    def held_early(self) -> int:
        """Request ids whose scores are waiting for their request."""
        return len(self._early)

    # Internals -------------------------------------------------------------------
    def _add_score(self, mailbox: Mailbox, score: Score, now_us: int, source: Any) -> list[Effect]:
        entry = Entry(score, self._role_at_arrival(mailbox, score), self.catalog.quality(score.model), now_us)
        mailbox.add(entry)  # a duplicate is simply not added again
        return [Absorbed(source)]

    def _role_at_arrival(self, mailbox: Mailbox, score: Score) -> Role:
        """A version answers for the requests that arrived while it served: during a hot
        swap the old version's score may land just after its retirement, and for a request
        the new version never saw, it is the only answer there will be."""
        role = self.catalog.role(score.model)
        if role is Role.RETIRED and score.model in mailbox.expected:
            return Role.BACKSTOP if score.model in mailbox.backstops else Role.SERVE
        return role

    def _evaluate(self, rid: str, now_us: int) -> list[Effect]:
        mailbox, source = self.open[rid]
        verdict = self._verdict(mailbox, now_us)
        if not isinstance(verdict, Choose):
            heapq.heappush(self._timers, (verdict.until_us, rid))
            return []
        del self.open[rid]
        self._answered.add(rid, now_us)
        return [Answered(self._decision(mailbox, verdict, now_us), source)]

    def _verdict(self, mailbox: Mailbox, now_us: int) -> Wait | Choose:
        """The policy decides, except when every expected model failed: then no policy can
        answer, and the client hears why at once instead of a timeout at the deadline.
        Deciding it here, before any policy, gives every policy the same rule."""
        if mailbox.all_expected_failed():
            return Choose(None, Reason.ERROR)
        return self.catalog.policy_for(mailbox.request.data_type).decide(mailbox, now_us)

    def _decision(self, mailbox: Mailbox, verdict: Choose, now_us: int) -> Decision:
        request, chosen = mailbox.request, verdict.entry
        entries = mailbox.entries.values()
        answer = Answer(
            request_id=request.request_id, correlation_id=request.reply_to.correlation_id,
            data_type=request.data_type, record_id=request.record_id, policy=mailbox.policy,
            reason=verdict.reason,
            output=chosen.score.output if chosen else Output(),
            model=chosen.model if chosen else None,
            answered=tuple(ModelLatency(e.model, e.arrived_us - request.enqueued_at_us)
                           for e in entries if e.score.ok),
            errored=tuple(ModelError(e.model, e.score.error, e.arrived_us - request.enqueued_at_us)
                          for e in entries if not e.score.ok),
            late=mailbox.late_models(), waited_us=now_us - mailbox.arrived_us, decided_at_us=now_us)
        return Decision(request, answer, tuple(e.score for e in mailbox.entries.values()))
