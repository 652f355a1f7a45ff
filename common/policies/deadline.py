"""`deadline`: the preferred model's answer if it arrives in time, else the backstop's.

Answers at once when the preferred model answers; falls back to the backstop at the
deadline, or earlier when every expected model has spoken (the preferred one failed)."""
from __future__ import annotations

from typing import Any, Mapping

from pydantic import Field

from common.domain import Reason
from common.mailbox import Mailbox
from common.policies.base import Choose, PolicyParams, Verdict, backstop_or_wait, parse_params


class DeadlineParams(PolicyParams):
    preferred: str = Field(min_length=1, description="The model (by name) whose answer is wanted.")
    backstop: str = Field("", description="The model that answers when the preferred one is late or fails.")


class DeadlinePolicy:
    name = "deadline"
    Params = DeadlineParams

    def __init__(self, params: Mapping[str, Any]):
        p = parse_params(self.Params, params, self.name)
        self.preferred, self.backstop, self.deadline_ms = p.preferred, p.backstop, p.deadline_ms

    def decide(self, mailbox: Mailbox, now_us: int) -> Verdict:
        preferred = mailbox.from_model(self.preferred)
        if preferred is not None:
            return Choose(preferred, Reason.PREFERRED)
        return backstop_or_wait(mailbox, now_us, self.backstop)
