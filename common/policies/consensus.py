"""`consensus`: the label most serving models agree on, answered as soon as it is settled.

Voters are the serving (role SERVE) models other than the backstop; each successful
score is one vote for its `output.label`. The electorate is every expected model that
is neither the named backstop nor a backstop-role model, plus any voter that answered
without being expected; consensus needs at least `quorum` of them.

- Early: a label wins (CONSENSUS) as soon as its votes are a strict majority of the
  electorate; no vote still to come can overturn a strict majority.
- Once every expected voter answered, or at the deadline: with at least `quorum` votes
  in, the label with the most votes wins (CONSENSUS).
- Tie rule: among labels with equally many votes, the one whose voters' summed
  `quality` is highest; if still tied, the one whose first vote arrived earliest.
- The answer is the earliest-arriving score with the winning label.
- Otherwise (too few voters or votes) the backstop answers (BACKSTOP), else TIMEOUT.
"""
from __future__ import annotations

import math
from typing import Any, Mapping

from pydantic import Field

from common.domain import ModelRef, Reason, Role
from common.mailbox import Entry, Mailbox
from common.policies.base import Choose, PolicyParams, Verdict, backstop_or_wait, parse_params


class ConsensusParams(PolicyParams):
    # Below 3 a "majority" is one model agreeing with itself or a coin toss between two.
    quorum: int = Field(3, ge=3, le=1_000, description="The fewest voters, and votes, that make a consensus.")
    backstop: str = Field("", description="The model (by name) that answers when there is no consensus; "
                                          "it never votes.")


class ConsensusPolicy:
    name = "consensus"
    Params = ConsensusParams

    def __init__(self, params: Mapping[str, Any]):
        p = parse_params(self.Params, params, self.name)
        self.quorum, self.backstop, self.deadline_ms = p.quorum, p.backstop, p.deadline_ms

    def decide(self, mailbox: Mailbox, now_us: int) -> Verdict:
        votes = self._votes(mailbox)
        electorate = self._electorate(mailbox, votes)
        if len(electorate) >= self.quorum:
            by_label = _group_by_label(votes)
            majority = next((v for v in by_label.values() if 2 * len(v) > len(electorate)), None)
            if majority is not None:
                return Choose(majority[0], Reason.CONSENSUS)
            voting_closed = now_us >= mailbox.deadline_us or electorate.issubset(mailbox.entries)
            if voting_closed and len(votes) >= self.quorum:
                return Choose(_winner(by_label)[0], Reason.CONSENSUS)
        return backstop_or_wait(mailbox, now_us, self.backstop)

    def _is_voter(self, model: ModelRef) -> bool:
        return model.name != self.backstop  # the backstop is the fallback, not a voter

    def _votes(self, mailbox: Mailbox) -> list[Entry]:
        """Successful serving scores, earliest first (failed and warm scores never vote)."""
        serving = [e for e in mailbox.official() if e.role is Role.SERVE and self._is_voter(e.model)]
        return sorted(serving, key=lambda e: e.arrived_us)

    def _electorate(self, mailbox: Mailbox, votes: list[Entry]) -> set[ModelRef]:
        # Counting voters that answered unexpectedly keeps a "strict majority" a real one.
        expected = {ref for ref in mailbox.expected - mailbox.backstops if self._is_voter(ref)}
        return expected | {e.model for e in votes}


def _group_by_label(votes: list[Entry]) -> dict[str, list[Entry]]:
    """Each label's votes, earliest first; labels in the order of their first vote."""
    by_label: dict[str, list[Entry]] = {}
    for entry in votes:
        by_label.setdefault(entry.score.output.label, []).append(entry)
    return by_label


def _winner(by_label: dict[str, list[Entry]]) -> list[Entry]:
    """Most votes, then highest summed quality; max() keeps the first of equals,
    and labels are ordered by first vote, so the earliest first vote breaks the last tie.
    fsum makes the quality sum independent of the order the votes came in."""
    return max(by_label.values(), key=lambda v: (len(v), math.fsum(e.quality for e in v)))
