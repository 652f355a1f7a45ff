"""The replay's tally, pure: each recorded decision with the candidate's score in,
the report out. Nothing here reads a clock, a topic or a model.

Definitions the report uses:
- `rows`: recorded requests the candidate was asked to score.
- `agreement`: of the rows with an official label and a candidate label, the share
  where the two are equal (`compared` counts those rows).
- `models`: the same against each model version that scored the row live.
- `confusion`: candidate label -> official label -> rows.
- `latency_ms`: time in the runtime call (finished - started) of each score, the
  candidate's in its replay batches against the live models' in their micro-batches.
- `policies`: per policy, how often the candidate would have been the answer and how
  often the answer's label would have differed from the official one.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from typing import Callable, Mapping

from common.domain import Decision, ModelRef, Role, Score
from common.policies.base import Policy
from common.stats import latency_summary
from replay.whatif import decide_all

MAX_ERROR_EXAMPLES = 5


def _runtime_ms(score: Score) -> float:
    return max(0, score.finished_us - score.started_us) / 1000


class ReplayTally:
    def __init__(self, candidate: ModelRef, policies: Mapping[str, Policy],
                 role_of: Callable[[ModelRef], Role], quality_of: Callable[[ModelRef], float]):
        self.candidate = candidate
        self._policies, self._role_of, self._quality_of = dict(policies), role_of, quality_of
        self.rows = self.compared = self.agreed = self.errors = 0
        self._error_examples: list[dict] = []
        self._models: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # ref -> [compared, agreed]
        self._confusion: Counter[tuple[str, str]] = Counter()
        self._candidate_ms: list[float] = []
        self._live_ms: dict[str, list[float]] = defaultdict(list)
        self._outcomes = {name: Counter() for name in self._policies}

    def add(self, decision: Decision, candidate: Score) -> None:
        self.rows += 1
        if not candidate.ok:
            self.errors += 1
            if len(self._error_examples) < MAX_ERROR_EXAMPLES:
                self._error_examples.append({"request_id": candidate.request_id, "error": candidate.error})
            return
        self._candidate_ms.append(_runtime_ms(candidate))
        label, answer = candidate.output.label, decision.answer
        if answer.model is not None:
            self.compared += 1
            self.agreed += label == answer.output.label
            self._confusion[(label, answer.output.label)] += 1
        for live in decision.scores:
            if live.ok and live.model != candidate.model:
                pair = self._models[str(live.model)]
                pair[0] += 1
                pair[1] += label == live.output.label
                self._live_ms[str(live.model)].append(_runtime_ms(live))
        self._tally_policies(decision, candidate)

    def _tally_policies(self, decision: Decision, candidate: Score) -> None:
        official = decision.answer.output.label if decision.answer.model is not None else None
        for name, verdict in decide_all(decision, candidate, self._policies, self._role_of, self._quality_of).items():
            counts = self._outcomes[name]
            counts["evaluated"] += 1
            counts[f"reason:{verdict.reason.value}"] += 1
            chosen = verdict.entry
            counts["candidate_won"] += chosen is not None and chosen.model == self.candidate
            counts["answer_changed"] += (chosen.score.output.label if chosen else None) != official

    def report(self) -> dict:
        return {
            "candidate": {"name": self.candidate.name, "version": self.candidate.version},
            "rows": self.rows, "compared": self.compared, "agreed": self.agreed,
            "agreement": _share(self.agreed, self.compared),
            "models": {ref: {"compared": c, "agreed": a, "agreement": _share(a, c)}
                       for ref, (c, a) in sorted(self._models.items())},
            "confusion": _nested(self._confusion),
            "latency_ms": {"candidate": latency_summary(self._candidate_ms),
                           "live": {ref: latency_summary(v) for ref, v in sorted(self._live_ms.items())}},
            "policies": {name: _outcome(counts) for name, counts in self._outcomes.items()},
            "errors": {"count": self.errors, "examples": list(self._error_examples)},
        }


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _nested(confusion: Counter) -> dict[str, dict[str, int]]:
    table: dict[str, dict[str, int]] = {}
    for (candidate, official), count in sorted(confusion.items()):
        table.setdefault(candidate, {})[official] = count
    return table


def _outcome(counts: Counter) -> dict:
    evaluated = counts["evaluated"]
    return {"evaluated": evaluated, "candidate_won": counts["candidate_won"],
            "candidate_won_share": _share(counts["candidate_won"], evaluated),
            "answer_changed": counts["answer_changed"], "answer_changed_share": _share(counts["answer_changed"], evaluated),
            "reasons": {k.removeprefix("reason:"): v for k, v in sorted(counts.items()) if k.startswith("reason:")}}
