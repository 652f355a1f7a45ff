"""`first`: the first successful answer from a serving (or backstop) model."""
from __future__ import annotations

from typing import Any, Mapping

from pydantic import Field

from common.domain import Reason
from common.mailbox import Mailbox
from common.policies.base import Choose, PolicyParams, Verdict, Wait, parse_params


class FirstParams(PolicyParams):
    deadline_ms: int = Field(100, ge=1, le=600_000, description="Answer by this many ms after the request "
                                                                 "was enqueued; a request may ask for less.")


class FirstPolicy:
    name = "first"
    Params = FirstParams

    def __init__(self, params: Mapping[str, Any]):
        self.deadline_ms = parse_params(self.Params, params, self.name).deadline_ms

    def decide(self, mailbox: Mailbox, now_us: int) -> Verdict:
        official = mailbox.official()
        if official:
            return Choose(official[0], Reason.FIRST)
        if now_us >= mailbox.deadline_us or mailbox.all_expected_answered():
            return Choose(None, Reason.TIMEOUT)  # every expected model failed, or time is up
        return Wait(mailbox.deadline_us)
