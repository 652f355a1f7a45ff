"""`first`: the first successful answer from a serving (or backstop) model."""
from __future__ import annotations

from typing import Mapping

from common.domain import Reason
from common.mailbox import Mailbox
from common.policies.base import Choose, Verdict, Wait, check_known, int_param


class FirstPolicy:
    name = "first"

    def __init__(self, params: Mapping[str, str]):
        check_known(params, {"deadline_ms"}, self.name)
        self.deadline_ms = int_param(params, "deadline_ms", 100, 1, 600_000)

    def decide(self, mailbox: Mailbox, now_us: int) -> Verdict:
        official = mailbox.official()
        if official:
            return Choose(official[0], Reason.FIRST)
        if now_us >= mailbox.deadline_us or mailbox.all_expected_answered():
            return Choose(None, Reason.TIMEOUT)  # every expected model failed, or time is up
        return Wait(mailbox.deadline_us)
