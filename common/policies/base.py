"""The policy contract: a pure function of (mailbox, now) that says either
"wait until T" or "answer with this score because R". No I/O, no clock of its own."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Protocol

from common.domain import Reason
from common.errors import PlatformError
from common.mailbox import Entry, Mailbox


@dataclass(frozen=True, slots=True)
class Wait:
    until_us: int


@dataclass(frozen=True, slots=True)
class Choose:
    entry: Entry | None  # None only with Reason.TIMEOUT or Reason.ERROR
    reason: Reason


Verdict = Wait | Choose  # what a policy says; the audited Decision (common.domain) is what came of it


class PolicyError(PlatformError):
    """Bad policy name or parameters; the admin API answers 422 with this message."""

    status_code = 422


class Policy(Protocol):
    name: str
    deadline_ms: int

    def decide(self, mailbox: Mailbox, now_us: int) -> Verdict: ...


def int_param(params: Mapping[str, str], key: str, default: int, low: int, high: int) -> int:
    raw = params.get(key, default)
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise PolicyError(f"{key} must be an integer, got {raw!r}") from None
    if not low <= value <= high:
        raise PolicyError(f"{key} must be between {low} and {high}, got {value}")
    return value


def check_known(params: Mapping[str, str], allowed: set[str], policy: str) -> None:
    unknown = set(params) - allowed
    if unknown:
        raise PolicyError(f"policy {policy} has no parameter {', '.join(sorted(unknown))}; "
                          f"it takes {', '.join(sorted(allowed))}")


def timeout_or_wait(mailbox: Mailbox, now_us: int) -> Verdict:
    """Every policy ends the same way: an explicit timeout answer at the deadline."""
    if now_us >= mailbox.deadline_us:
        return Choose(None, Reason.TIMEOUT)
    return Wait(mailbox.deadline_us)


def backstop_or_wait(mailbox: Mailbox, now_us: int, backstop: str) -> Verdict:
    """At the deadline, or once every expected model has spoken, fall back to the backstop."""
    if now_us >= mailbox.deadline_us or mailbox.all_expected_answered():
        entry = mailbox.from_model(backstop) if backstop else None
        if entry is not None:
            return Choose(entry, Reason.BACKSTOP)
        if mailbox.all_expected_answered() and now_us < mailbox.deadline_us:
            return Choose(None, Reason.TIMEOUT)  # nothing can still arrive: don't make the client wait
    return timeout_or_wait(mailbox, now_us)
