"""The mailbox: one score per model version, what may become official, who is late."""
from __future__ import annotations

import pytest

from common.domain import ModelRef, Role
from policy_fixtures import entry, failed, mailbox, ref, warm

pytestmark = pytest.mark.timeout(10)


def test_add_keeps_the_first_score_and_refuses_a_duplicate():
    box = mailbox()
    first, again = entry("a", "cat", at=1), entry("a", "dog", at=2)
    assert box.add(first) is True
    assert box.add(again) is False
    assert box.entries[ref("a")] is first  # the duplicate changed nothing


def test_another_version_of_the_same_model_is_not_a_duplicate():
    box = mailbox(entry("a:v1"))
    assert box.add(entry("a:v2")) is True


@pytest.mark.parametrize("entries, official", [
    pytest.param((entry("a", at=1), entry("b", at=2)), ["a:v1", "b:v1"], id="serve-in-arrival-order"),
    pytest.param((entry("b", role=Role.BACKSTOP),), ["b:v1"], id="backstop-is-official"),
    pytest.param((warm("canary"), entry("a")), ["a:v1"], id="warm-excluded"),
    pytest.param((failed("a"), entry("b")), ["b:v1"], id="failed-excluded"),
    pytest.param((entry("old", role=Role.RETIRED),), [], id="retired-excluded"),
    pytest.param((), [], id="empty"),
])
def test_official(entries, official):
    assert [str(e.model) for e in mailbox(*entries).official()] == official


@pytest.mark.parametrize("entries, name, found", [
    pytest.param((entry("a:v2"),), "a", "a:v2", id="any-version"),
    pytest.param((failed("a"),), "a", None, id="failed-is-not-an-answer"),
    pytest.param((warm("a"),), "a", None, id="warm-is-not-an-answer"),
    pytest.param((warm("a:v2"), entry("a:v1", at=2)), "a", "a:v1", id="serve-version-beside-warm-one"),
    pytest.param((entry("b"),), "a", None, id="absent"),
])
def test_from_model(entries, name, found):
    got = mailbox(*entries).from_model(name)
    assert (str(got.model) if got else None) == found


@pytest.mark.parametrize("entries, expected, answered", [
    pytest.param((), (), False, id="nothing-expected-stays-false"),
    pytest.param((entry("a"),), (), False, id="nothing-expected-even-with-scores"),
    pytest.param((entry("a"),), ("a", "b"), False, id="one-missing"),
    pytest.param((entry("a"), failed("b")), ("a", "b"), True, id="a-failure-counts-as-answered"),
    pytest.param((entry("a"), entry("b"), warm("c")), ("a", "b"), True, id="extra-warm-score"),
])
def test_all_expected_answered(entries, expected, answered):
    assert mailbox(*entries, expected=expected).all_expected_answered() is answered


@pytest.mark.parametrize("entries, expected, all_failed", [
    pytest.param((), (), False, id="nothing-expected-stays-false"),
    pytest.param((failed("a"),), ("a", "b"), False, id="one-failed-one-pending"),
    pytest.param((failed("a"), failed("b")), ("a", "b"), True, id="every-expected-failed"),
    pytest.param((failed("a"), entry("b")), ("a", "b"), False, id="one-has-output"),
    pytest.param((failed("a"), warm("c")), ("a",), True, id="a-warm-output-is-never-official"),
    pytest.param((failed("a"), entry("c")), ("a",), False, id="an-unexpected-serving-output"),
    pytest.param((entry("a", role=Role.WARM),), ("a",), False, id="demoted-mid-request-is-not-an-error"),
])
def test_all_expected_failed(entries, expected, all_failed):
    assert mailbox(*entries, expected=expected).all_expected_failed() is all_failed


@pytest.mark.parametrize("entries, expected, late", [
    pytest.param((), ("b", "a"), ("a:v1", "b:v1"), id="all-late-sorted"),
    pytest.param((entry("a"),), ("a", "b"), ("b:v1",), id="one-late"),
    pytest.param((failed("a"), entry("b")), ("a", "b"), (), id="failed-is-not-late"),
    pytest.param((entry("a"),), (), (), id="nothing-expected"),
])
def test_late_models(entries, expected, late):
    assert tuple(map(str, mailbox(*entries, expected=expected).late_models())) == late


def test_entry_model_is_the_score_model():
    assert entry("a:v3").model == ModelRef("a", "v3")
