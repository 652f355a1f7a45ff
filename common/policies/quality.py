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

from typing import Any, Literal, Mapping

from pydantic import Field, field_validator, model_validator

from common.domain import Reason
from common.mailbox import Entry, Mailbox
from common.policies.base import Choose, PolicyParams, Verdict, Wait, parse_params

MEASURES = {
    "metric": lambda entry: entry.quality,
    "confidence": lambda entry: entry.score.confidence,
}


class QualityParams(PolicyParams):
    by: Literal["metric", "confidence"] = Field("metric", description="Rank by the model's quality metric "
                                                "(from its descriptor) or by the score's confidence.")
    min_quality: float | None = Field(None, allow_inf_nan=False, description="With by=metric: answer as soon as "
                                      "an arrived model's quality reaches this (good enough, don't wait).")

    @field_validator("min_quality", mode="before")
    @classmethod
    def _empty_is_unset(cls, value):
        return None if value == "" else value  # the wire has strings only, and "" for "not set"

    @model_validator(mode="after")
    def _min_quality_needs_metric(self):
        if self.min_quality is not None and self.by != "metric":
            raise ValueError(f"min_quality applies only with by=metric, not by={self.by}")
        return self


class QualityPolicy:
    name = "quality"
    Params = QualityParams

    def __init__(self, params: Mapping[str, Any]):
        p = parse_params(self.Params, params, self.name)
        self.by, self.min_quality, self.deadline_ms = p.by, p.min_quality, p.deadline_ms

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

