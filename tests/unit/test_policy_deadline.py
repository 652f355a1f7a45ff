"""`deadline`: the preferred model at once; the backstop at the deadline, or earlier
once every expected model has spoken; TIMEOUT when neither answered."""
from __future__ import annotations

import pytest

from common.domain import Role
from policy_fixtures import DEADLINE_US, EARLY_US, TIMEOUT, WAIT, entry, failed, mailbox, outcome, warm
from common.policies import build_policy
from common.policies.base import PolicyError
from common.policies.deadline import DeadlinePolicy

pytestmark = pytest.mark.timeout(10)

POLICY = DeadlinePolicy({"preferred": "big", "backstop": "fast"})
EXPECTED = ("big", "fast")


def backstop(at: int = 1):
    return entry("fast", "fallback", at=at, role=Role.BACKSTOP)


@pytest.mark.parametrize("entries, now_us, want", [
    pytest.param((entry("big"),), EARLY_US, ("preferred", "big:v1"), id="preferred-answers-at-once"),
    pytest.param((backstop(at=1), entry("big", at=2)), EARLY_US, ("preferred", "big:v1"),
                 id="preferred-beats-earlier-backstop"),
    pytest.param((entry("big:v2"),), EARLY_US, ("preferred", "big:v2"), id="any-preferred-version"),
    pytest.param((backstop(),), EARLY_US, WAIT, id="backstop-alone-waits-for-preferred"),
    pytest.param((backstop(),), DEADLINE_US - 1, WAIT, id="still-waits-one-us-before"),
    pytest.param((backstop(),), DEADLINE_US, ("backstop", "fast:v1"), id="backstop-at-deadline"),
    pytest.param((failed("big"), backstop()), EARLY_US, ("backstop", "fast:v1"),
                 id="backstop-early-when-preferred-failed"),
    pytest.param((backstop(), failed("big")), EARLY_US, ("backstop", "fast:v1"),
                 id="backstop-early-whatever-the-order"),
    pytest.param((failed("big"),), EARLY_US, WAIT, id="preferred-failed-backstop-pending-waits"),
    pytest.param((failed("big"), failed("fast")), EARLY_US, TIMEOUT, id="both-failed-times-out-early"),
    pytest.param((), DEADLINE_US, TIMEOUT, id="timeout-exactly-at-deadline"),
    pytest.param((warm("big:v9"), backstop()), EARLY_US, WAIT, id="warm-preferred-version-never-chosen"),
    pytest.param((warm("big:v9"),), DEADLINE_US, TIMEOUT, id="warm-only-times-out"),
])
def test_decide(entries, now_us, want):
    assert outcome(POLICY.decide(mailbox(*entries, expected=EXPECTED), now_us)) == want


def test_without_a_backstop_times_out_at_the_deadline():
    policy = DeadlinePolicy({"preferred": "big"})
    box = mailbox(entry("other"), expected=("big", "other"))
    assert outcome(policy.decide(box, EARLY_US)) == WAIT
    assert outcome(policy.decide(box, DEADLINE_US)) == TIMEOUT


def test_params_and_defaults():
    policy = build_policy("deadline", {"preferred": "big"})
    assert (policy.name, policy.deadline_ms, policy.backstop) == ("deadline", 50, "")


@pytest.mark.parametrize("params, names", [
    pytest.param({}, "preferred", id="preferred-missing"),
    pytest.param({"preferred": ""}, "preferred", id="preferred-empty"),
    pytest.param({"preferred": "big", "deadline_ms": "-5"}, "deadline_ms", id="negative-deadline"),
    pytest.param({"preferred": "big", "deadline_ms": "1.5"}, "deadline_ms", id="fractional-deadline"),
    pytest.param({"preferred": "big", "quorum": "3"}, "quorum", id="unknown-param"),
])
def test_bad_params(params, names):
    with pytest.raises(PolicyError, match=names):
        DeadlinePolicy(params)
