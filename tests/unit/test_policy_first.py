"""`first`: the first successful official score, at once; TIMEOUT when none can come."""
from __future__ import annotations

import pytest

from common.domain import Role
from policy_fixtures import DEADLINE_US, EARLY_US, TIMEOUT, entry, failed, mailbox, outcome, warm
from common.policies import build_policy
from common.policies.base import PolicyError, Wait
from common.policies.first import FirstPolicy

pytestmark = pytest.mark.timeout(10)

FIRST = FirstPolicy({"deadline_ms": "50"})


@pytest.mark.parametrize("entries, expected, now_us, want", [
    pytest.param((entry("a", at=1), entry("b", at=2)), ("a", "b"), EARLY_US, ("first", "a:v1"),
                 id="earliest-wins-before-deadline"),
    pytest.param((entry("b", role=Role.BACKSTOP),), ("a", "b"), EARLY_US, ("first", "b:v1"),
                 id="backstop-counts"),
    pytest.param((failed("a", at=1), entry("b", at=2)), ("a", "b"), EARLY_US, ("first", "b:v1"),
                 id="failed-skipped"),
    pytest.param((warm("canary", at=1), entry("a", at=2)), ("a",), EARLY_US, ("first", "a:v1"),
                 id="warm-never-chosen"),
    pytest.param((warm("canary"),), ("a",), EARLY_US, ("wait", DEADLINE_US), id="only-warm-waits"),
    pytest.param((), ("a",), EARLY_US, ("wait", DEADLINE_US), id="nothing-yet-waits"),
    pytest.param((), ("a",), DEADLINE_US - 1, ("wait", DEADLINE_US), id="one-us-before-deadline-waits"),
    pytest.param((), ("a",), DEADLINE_US, TIMEOUT, id="timeout-exactly-at-deadline"),
    pytest.param((warm("canary"),), ("a",), DEADLINE_US, TIMEOUT, id="warm-only-times-out"),
    pytest.param((failed("a"), failed("b")), ("a", "b"), EARLY_US, TIMEOUT, id="all-failed-times-out-early"),
    pytest.param((), (), EARLY_US, ("wait", DEADLINE_US), id="nothing-expected-waits-for-deadline"),
])
def test_decide(entries, expected, now_us, want):
    assert outcome(FIRST.decide(mailbox(*entries, expected=expected), now_us)) == want


def test_decide_is_pure():
    box = mailbox(expected=("a",))
    assert FIRST.decide(box, EARLY_US) == FIRST.decide(box, EARLY_US) == Wait(DEADLINE_US)


@pytest.mark.parametrize("params, deadline_ms", [
    pytest.param({}, 100, id="default"),
    pytest.param({"deadline_ms": "7"}, 7, id="explicit"),
])
def test_deadline_param(params, deadline_ms):
    policy = build_policy("first", params)
    assert (policy.name, policy.deadline_ms) == ("first", deadline_ms)


@pytest.mark.parametrize("params, names", [
    pytest.param({"deadline_ms": "soon"}, "deadline_ms", id="not-an-integer"),
    pytest.param({"deadline_ms": "0"}, "deadline_ms", id="zero"),
    pytest.param({"deadline_ms": "600001"}, "deadline_ms", id="too-long"),
    pytest.param({"preferred": "a"}, "preferred", id="unknown-param"),
])
def test_bad_params(params, names):
    with pytest.raises(PolicyError, match=names) as caught:
        FirstPolicy(params)
    assert caught.value.status_code == 422


def test_unknown_policy_name_lists_valid_ones():
    with pytest.raises(PolicyError) as caught:
        build_policy("fastest", {})
    message = str(caught.value)
    assert "fastest" in message
    for valid in ("consensus", "deadline", "first", "quality"):
        assert valid in message
