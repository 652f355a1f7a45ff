"""The policy contract: a pure function of (mailbox, now) that says either
"wait until T" or "answer with this score because R". No I/O, no clock of its own."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError

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


class PolicyParams(BaseModel):
    """A policy's parameters, typed. They arrive as JSON values over HTTP and as strings
    on the policies topic (map<string, string>); pydantic turns both into these types,
    so the admin API and the rendezvous validate the same way. Unknown names are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    deadline_ms: int = Field(50, ge=1, le=600_000, description="Answer by this many ms after the request "
                                                                "was enqueued; a request may ask for less.")


def parse_params(cls: type[PolicyParams], params: Mapping[str, Any], policy: str) -> Any:
    """Validate a policy's parameters; PolicyError (422) names each bad one."""
    try:
        return cls.model_validate(dict(params))
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'params'}: {e['msg']}" for e in exc.errors())
        raise PolicyError(f"policy {policy}: {problems}") from None


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
