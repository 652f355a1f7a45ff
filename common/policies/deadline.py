"""`deadline`: the preferred model's answer if it arrives in time, else the backstop's.

Answers at once when the preferred model answers; falls back to the backstop at the
deadline, or earlier when every expected model has spoken (the preferred one failed)."""
from __future__ import annotations

from typing import Mapping

from common.domain import Reason
from common.mailbox import Mailbox
from common.policies.base import Choose, PolicyError, Verdict, backstop_or_wait, check_known, int_param


class DeadlinePolicy:
    name = "deadline"

    def __init__(self, params: Mapping[str, str]):
        check_known(params, {"preferred", "backstop", "deadline_ms"}, self.name)
        self.preferred = params.get("preferred", "")
        self.backstop = params.get("backstop", "")
        if not self.preferred:
            raise PolicyError("policy deadline needs a preferred model")
        self.deadline_ms = int_param(params, "deadline_ms", 50, 1, 600_000)

    def decide(self, mailbox: Mailbox, now_us: int) -> Verdict:
        preferred = mailbox.from_model(self.preferred)
        if preferred is not None:
            return Choose(preferred, Reason.PREFERRED)
        return backstop_or_wait(mailbox, now_us, self.backstop)
