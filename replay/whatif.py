"""What a policy would have answered had the candidate been serving: the recorded
mailbox is rebuilt, the candidate's score takes the place of its model's live
version (or joins as a new serving model), and the policy decides once every score
is in. The policies are the live ones (common/policies), so a replay and the
rendezvous can never disagree on a rule.

Roles are not recorded per decision; a recorded model's role is its role now, and a
version retired since then counts as serving (it answered while it served)."""
from __future__ import annotations

from typing import Callable, Mapping

from common.domain import Decision, ModelRef, Role, Score
from common.mailbox import Entry, Mailbox
from common.policies.base import Choose, Policy

LIVE_ROLES = (Role.SERVE, Role.BACKSTOP)


def recorded_role(role: Role) -> Role:
    if role in (Role.WARM, Role.CANDIDATE):
        return Role.WARM  # recorded, never official
    return Role.BACKSTOP if role is Role.BACKSTOP else Role.SERVE


def arrivals(decision: Decision) -> dict[ModelRef, int]:
    """When each recorded score reached the rendezvous, from the answer's latencies."""
    start = decision.request.enqueued_at_us
    seen = {a.model: start + a.latency_us for a in decision.answer.answered}
    seen.update({e.model: start + e.latency_us for e in decision.answer.errored})
    return seen


def rebuild(decision: Decision, candidate: Score, policy: Policy, role_of: Callable[[ModelRef], Role],
            quality_of: Callable[[ModelRef], float]) -> tuple[Mailbox, int]:
    """The mailbox with the candidate in it, and a moment when every score is in."""
    request = decision.request
    arrived = arrivals(decision)
    replaced = [s.model for s in decision.scores if s.model.name == candidate.model.name]
    candidate_role = next((recorded_role(role_of(r)) for r in replaced), Role.SERVE)
    entries = {s.model: Entry(s, recorded_role(role_of(s.model)), quality_of(s.model),
                              arrived.get(s.model, request.enqueued_at_us))
               for s in decision.scores if s.model.name != candidate.model.name}
    candidate_at = request.enqueued_at_us + max(0, candidate.finished_us - candidate.started_us)
    entries[candidate.model] = Entry(candidate, candidate_role, quality_of(candidate.model), candidate_at)
    live = {ref: e.role for ref, e in entries.items() if e.role in LIVE_ROLES}
    late = {ref: recorded_role(role_of(ref)) for ref in decision.answer.late if ref.name != candidate.model.name}
    live.update({ref: role for ref, role in late.items() if role in LIVE_ROLES})
    deadline = request.enqueued_at_us + policy.deadline_ms * 1000
    mailbox = Mailbox(request, request.enqueued_at_us, deadline, policy.name, frozenset(live),
                      frozenset(ref for ref, role in live.items() if role is Role.BACKSTOP), entries)
    return mailbox, max([deadline, *(e.arrived_us for e in entries.values())])


def decide_all(decision: Decision, candidate: Score, policies: Mapping[str, Policy],
               role_of: Callable[[ModelRef], Role], quality_of: Callable[[ModelRef], float]) -> dict[str, Choose]:
    """Each policy's answer for this request, with the candidate serving."""
    out = {}
    for label, policy in policies.items():
        mailbox, settled_us = rebuild(decision, candidate, policy, role_of, quality_of)
        verdict = policy.decide(mailbox, settled_us)
        if isinstance(verdict, Choose):  # at the settled moment every policy chooses
            out[label] = verdict
    return out
