"""`quality`: the best official score, by the model's quality metric or the score's confidence.

- `by=metric` (default): higher `Entry.quality` (from the model's descriptor) is better.
  The mailbox does not know the quality of models that have not answered yet, so the
  policy answers early only when every expected model has answered, or when the best
  arrived quality reaches `min_quality` (optional: "good enough, don't wait for better").
- `by=confidence`: higher `Score.confidence` is better; it answers once every expected
  model has answered, or at the deadline (confidence is unknown until a score arrives).
- Ties: the earliest-arriving score. Failed and warm scores are never considered.
- At the deadline, or once every expected model answered, with no official score: TIMEOUT.
"""
from __future__ import annotations

import math
from typing import Mapping

from common.domain import Reason
from common.mailbox import Entry, Mailbox
from common.policies.base import Choose, PolicyError, Verdict, Wait, check_known, int_param

MEASURES = {
    "metric": lambda entry: entry.quality,
    "confidence": lambda entry: entry.score.confidence,
}


class QualityPolicy:
    name = "quality"

    def __init__(self, params: Mapping[str, str]):
        check_known(params, {"by", "min_quality", "deadline_ms"}, self.name)
        self.by = params.get("by", "metric")
        if self.by not in MEASURES:
            raise PolicyError(f"by must be one of {', '.join(sorted(MEASURES))}, got {self.by!r}")
        self.min_quality = _min_quality(params, self.by)
        self.deadline_ms = int_param(params, "deadline_ms", 50, 1, 600_000)

    def decide(self, mailbox: Mailbox, now_us: int) -> Verdict:
        best, settled = self._best(mailbox), self._settled(mailbox, now_us)
        if best is not None and (settled or self._good_enough(best)):
            return Choose(best, Reason.QUALITY)
        if settled:
            return Choose(None, Reason.TIMEOUT)  # nothing usable arrived and nothing more will
        return Wait(mailbox.deadline_us)

    def _best(self, mailbox: Mailbox) -> Entry | None:
        official = sorted(mailbox.official(), key=lambda e: e.arrived_us)
        # max() keeps the first of equals: ties go to the earliest arrival.
        return max(official, key=MEASURES[self.by], default=None)

    def _good_enough(self, best: Entry) -> bool:
        return self.min_quality is not None and best.quality >= self.min_quality

    @staticmethod
    def _settled(mailbox: Mailbox, now_us: int) -> bool:
        return now_us >= mailbox.deadline_us or mailbox.all_expected_answered()


def _min_quality(params: Mapping[str, str], by: str) -> float | None:
    raw = params.get("min_quality")
    if raw is None or raw == "":
        return None
    if by != "metric":
        raise PolicyError(f"min_quality applies only with by=metric, not by={by}")
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise PolicyError(f"min_quality must be a number, got {raw!r}") from None
    if not math.isfinite(value):
        raise PolicyError(f"min_quality must be a finite number, got {raw!r}")
    return value
