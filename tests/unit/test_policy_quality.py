"""`quality`: the best official score by the model's quality metric (or the score's
confidence); early once every expected model answered or, by metric, once the best
arrived quality reaches min_quality; ties to the earliest arrival; TIMEOUT when none."""
from __future__ import annotations

import pytest

from common.domain import Role
from policy_fixtures import DEADLINE_US, EARLY_US, TIMEOUT, WAIT, entry, failed, mailbox, outcome, warm
from common.policies import build_policy
from common.policies.base import PolicyError
from common.policies.quality import QualityPolicy

pytestmark = pytest.mark.timeout(10)

BY_METRIC = QualityPolicy({})
GOOD_ENOUGH = QualityPolicy({"min_quality": "0.85"})
BY_CONFIDENCE = QualityPolicy({"by": "confidence"})
ABC = ("a", "b", "c")


def q(model: str, quality: float, at: int, confidence: float = 0.5, role: Role = Role.SERVE):
    return entry(model, model.upper(), at=at, quality=quality, confidence=confidence, role=role)


CASES = [
    # by=metric
    ("metric-waits-while-one-is-missing", BY_METRIC, (q("a", 0.7, 1), q("b", 0.9, 2)), EARLY_US, WAIT),
    ("metric-best-once-all-answered", BY_METRIC, (q("a", 0.7, 1), q("b", 0.9, 2), q("c", 0.8, 3)), EARLY_US,
     ("quality", "b:v1")),
    ("metric-failed-ignored", BY_METRIC, (q("a", 0.7, 1), failed("b", quality=0.99), q("c", 0.8, 3)), EARLY_US,
     ("quality", "c:v1")),
    ("metric-best-arrived-at-deadline", BY_METRIC, (q("a", 0.7, 1), q("b", 0.6, 2)), DEADLINE_US,
     ("quality", "a:v1")),
    ("metric-still-waits-one-us-before", BY_METRIC, (q("a", 0.7, 1),), DEADLINE_US - 1, WAIT),
    ("metric-backstop-role-may-win", BY_METRIC, (q("a", 0.7, 1), q("b", 0.6, 2), q("c", 0.9, 3, role=Role.BACKSTOP)),
     EARLY_US, ("quality", "c:v1")),
    ("metric-tie-earliest-arrival", BY_METRIC, (q("c", 0.8, 5), q("a", 0.8, 2), q("b", 0.5, 3)), EARLY_US,
     ("quality", "a:v1")),
    ("metric-warm-never-chosen", BY_METRIC, (warm("w", quality=0.99), q("a", 0.7, 1), q("b", 0.6, 2),
                                            q("c", 0.5, 3)), EARLY_US, ("quality", "a:v1")),
    ("warm-only-at-deadline-times-out", BY_METRIC, (warm("w"),), DEADLINE_US, TIMEOUT),
    ("nothing-at-deadline-times-out", BY_METRIC, (), DEADLINE_US, TIMEOUT),
    ("all-failed-times-out-early", BY_METRIC, (failed("a"), failed("b"), failed("c")), EARLY_US, TIMEOUT),
    # by=metric with min_quality: good enough answers at once
    ("min-quality-reached-answers-early", GOOD_ENOUGH, (q("a", 0.7, 1), q("b", 0.9, 2)), EARLY_US,
     ("quality", "b:v1")),
    ("min-quality-exactly-reached", GOOD_ENOUGH, (q("a", 0.85, 1),), EARLY_US, ("quality", "a:v1")),
    ("min-quality-not-reached-waits", GOOD_ENOUGH, (q("a", 0.7, 1), q("b", 0.8, 2)), EARLY_US, WAIT),
    ("min-quality-picks-the-best-not-the-first", GOOD_ENOUGH, (q("a", 0.9, 1), q("b", 0.95, 2)), EARLY_US,
     ("quality", "b:v1")),
    ("min-quality-ignores-failed", GOOD_ENOUGH, (failed("a", quality=0.99),), EARLY_US, WAIT),
    ("min-quality-ignores-warm", GOOD_ENOUGH, (warm("w", quality=0.99),), EARLY_US, WAIT),
    # by=confidence
    ("confidence-waits-while-one-is-missing", BY_CONFIDENCE, (q("a", 0.9, 1, 0.99), q("b", 0.1, 2, 0.5)), EARLY_US,
     WAIT),
    ("confidence-best-once-all-answered", BY_CONFIDENCE,
     (q("a", 0.9, 1, 0.6), q("b", 0.1, 2, 0.8), q("c", 0.5, 3, 0.7)), EARLY_US, ("quality", "b:v1")),
    ("confidence-best-arrived-at-deadline", BY_CONFIDENCE, (q("a", 0.9, 1, 0.6), q("b", 0.1, 2, 0.8)),
     DEADLINE_US, ("quality", "b:v1")),
    ("confidence-tie-earliest-arrival", BY_CONFIDENCE, (q("a", 0.1, 1, 0.8), q("b", 0.9, 2, 0.8)), DEADLINE_US,
     ("quality", "a:v1")),
    ("confidence-warm-never-chosen", BY_CONFIDENCE, (warm("w", confidence=1.0), q("a", 0.5, 1, 0.2)), DEADLINE_US,
     ("quality", "a:v1")),
]


@pytest.mark.parametrize("policy, entries, now_us, want", [pytest.param(*c[1:], id=c[0]) for c in CASES])
def test_decide(policy, entries, now_us, want):
    assert outcome(policy.decide(mailbox(*entries, expected=ABC), now_us)) == want


def test_nothing_expected_waits_for_the_deadline():
    box = mailbox(q("a", 0.9, 1))  # models still loading: the deadline decides
    assert outcome(BY_METRIC.decide(box, EARLY_US)) == WAIT
    assert outcome(BY_METRIC.decide(box, DEADLINE_US)) == ("quality", "a:v1")


@pytest.mark.parametrize("params, by, min_quality", [
    pytest.param({}, "metric", None, id="defaults"),
    pytest.param({"by": "confidence"}, "confidence", None, id="by-confidence"),
    pytest.param({"min_quality": "0.9"}, "metric", 0.9, id="min-quality"),
    pytest.param({"min_quality": ""}, "metric", None, id="empty-min-quality-is-none"),
])
def test_params(params, by, min_quality):
    policy = build_policy("quality", params)
    assert (policy.name, policy.deadline_ms, policy.by, policy.min_quality) == ("quality", 50, by, min_quality)


@pytest.mark.parametrize("params, names", [
    pytest.param({"by": "accuracy"}, "by: Input should be 'metric' or 'confidence'", id="unknown-measure"),
    pytest.param({"min_quality": "high"}, "min_quality", id="min-quality-not-a-number"),
    pytest.param({"min_quality": "nan"}, "min_quality", id="min-quality-nan"),
    pytest.param({"by": "confidence", "min_quality": "0.5"}, "min_quality", id="min-quality-needs-metric"),
    pytest.param({"deadline_ms": "fast"}, "deadline_ms", id="deadline-not-an-integer"),
    pytest.param({"quorum": "3"}, "quorum", id="unknown-param"),
])
def test_bad_params(params, names):
    with pytest.raises(PolicyError, match=names):
        build_policy("quality", params)
