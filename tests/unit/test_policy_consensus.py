"""`consensus`: a strict majority of the serving models answers at once; once voting
closes (all voters in, or the deadline) the most votes win with at least `quorum`
votes; ties by summed quality, then earliest first vote; else the backstop, else TIMEOUT."""
from __future__ import annotations

import pytest

from common.domain import Role
from policy_fixtures import DEADLINE_US, EARLY_US, TIMEOUT, WAIT, entry, failed, mailbox, outcome, ref, warm
from common.policies import build_policy
from common.policies.base import PolicyError
from common.policies.consensus import ConsensusPolicy

pytestmark = pytest.mark.timeout(10)

POLICY = ConsensusPolicy({"backstop": "fast"})
THREE = ("a", "b", "c", "fast")  # three voters and the backstop
FIVE = ("a", "b", "c", "d", "e", "fast")


def vote(model: str, label: str, at: int, quality: float = 0.5):
    return entry(model, label, at=at, quality=quality)


def backstop(label: str = "cat", at: int = 1):
    return entry("fast", label, at=at, role=Role.BACKSTOP)


CASES = [
    # Answer as soon as a strict majority exists.
    ("majority-of-three-answers-early", THREE, (vote("a", "cat", 1), vote("b", "cat", 2)), EARLY_US,
     ("consensus", "a:v1")),
    ("split-waits", THREE, (vote("a", "cat", 1), vote("b", "dog", 2)), EARLY_US, WAIT),
    ("third-vote-breaks-the-split", THREE, (vote("a", "cat", 1), vote("b", "dog", 2), vote("c", "dog", 3)),
     EARLY_US, ("consensus", "b:v1")),
    ("two-of-five-is-no-majority", FIVE, (vote("a", "cat", 1), vote("b", "cat", 2)), EARLY_US, WAIT),
    ("three-of-five-is", FIVE, (vote("a", "cat", 1), vote("d", "dog", 2), vote("b", "cat", 3),
                                vote("c", "cat", 4)), EARLY_US, ("consensus", "a:v1")),
    ("chosen-is-earliest-arrival-of-the-label", THREE, (vote("b", "cat", 9), vote("a", "cat", 4)), EARLY_US,
     ("consensus", "a:v1")),
    ("failed-voter-does-not-block-a-majority", THREE, (failed("a"), vote("b", "cat", 2), vote("c", "cat", 3)),
     EARLY_US, ("consensus", "b:v1")),
    # Once voting closes, the most votes win if at least quorum votes arrived.
    ("deadline-plurality-of-five", FIVE, (vote("a", "cat", 1), vote("b", "cat", 2), vote("c", "dog", 3)),
     DEADLINE_US, ("consensus", "a:v1")),
    ("deadline-plurality-waits-before", FIVE, (vote("a", "cat", 1), vote("b", "cat", 2), vote("c", "dog", 3)),
     DEADLINE_US - 1, WAIT),
    ("all-voters-in-no-need-to-wait-for-backstop", FIVE,
     (vote("a", "cat", 1), vote("b", "cat", 2), vote("c", "dog", 3), failed("d"), failed("e")),
     EARLY_US, ("consensus", "a:v1")),
    ("more-votes-beat-more-quality", FIVE, (vote("a", "cat", 1, 0.3), vote("b", "dog", 2, 0.9),
                                            vote("c", "cat", 3, 0.3)), DEADLINE_US, ("consensus", "a:v1")),
    # Tie rule: summed quality, then the earliest first vote.
    ("tie-higher-quality-wins", THREE, (vote("a", "cat", 1, 0.6), vote("b", "dog", 2, 0.9),
                                        vote("c", "bird", 3, 0.5)), EARLY_US, ("consensus", "b:v1")),
    ("tie-summed-quality-wins", ("a", "b", "c", "d"),
     (vote("a", "cat", 1, 0.5), vote("b", "dog", 2, 0.5), vote("c", "cat", 3, 0.4), vote("d", "dog", 4, 0.6)),
     EARLY_US, ("consensus", "b:v1")),
    ("tie-equal-quality-earliest-first-vote", ("a", "b", "c", "d"),
     (vote("a", "dog", 1), vote("b", "cat", 2), vote("c", "cat", 3), vote("d", "dog", 4)),
     EARLY_US, ("consensus", "a:v1")),
    # Too few votes or voters: the backstop, early once everyone answered.
    ("too-few-votes-backstop-early", THREE, (vote("a", "cat", 1), vote("b", "dog", 2), failed("c"), backstop()),
     EARLY_US, ("backstop", "fast:v1")),
    ("too-few-votes-waits-for-backstop", THREE, (vote("a", "cat", 1), vote("b", "dog", 2), failed("c")),
     EARLY_US, WAIT),
    ("too-few-votes-at-deadline", THREE, (backstop(), vote("a", "cat", 2), vote("b", "dog", 3)), DEADLINE_US,
     ("backstop", "fast:v1")),
    ("too-few-voters-expected", ("a", "b", "fast"), (vote("a", "cat", 1), vote("b", "cat", 2), backstop("dog")),
     EARLY_US, ("backstop", "fast:v1")),
    ("backstop-does-not-vote", THREE, (backstop("cat"), vote("a", "cat", 2)), EARLY_US, WAIT),
    ("backstop-does-not-vote-even-as-serve", THREE,
     (vote("a", "cat", 1), vote("b", "dog", 2), failed("c"), vote("fast", "cat", 4)), EARLY_US,
     ("backstop", "fast:v1")),
    ("other-backstop-role-does-not-vote", ("a", "b", "c", "spare"),
     (vote("a", "cat", 1), vote("b", "dog", 2), failed("c"), entry("spare", "cat", at=4, role=Role.BACKSTOP)),
     EARLY_US, TIMEOUT),
    ("unexpected-voter-enlarges-electorate", THREE, (vote("z", "cat", 1), vote("a", "cat", 2)), EARLY_US, WAIT),
    ("nothing-at-deadline-times-out", THREE, (), DEADLINE_US, TIMEOUT),
    ("all-failed-times-out-early", THREE, (failed("a"), failed("b"), failed("c"), failed("fast")), EARLY_US,
     TIMEOUT),
    # Warm models never vote and are never chosen.
    ("warm-votes-do-not-count", THREE, (warm("w1", "dog"), warm("w2", "dog"), vote("a", "cat", 3)), EARLY_US,
     WAIT),
    ("warm-only-at-deadline-times-out", THREE, (warm("w1", "dog"), warm("w2", "dog"), warm("w3", "dog")),
     DEADLINE_US, TIMEOUT),
]


@pytest.mark.parametrize("expected, entries, now_us, want", [pytest.param(*c[1:], id=c[0]) for c in CASES])
def test_decide(expected, entries, now_us, want):
    assert outcome(POLICY.decide(mailbox(*entries, expected=expected), now_us)) == want


@pytest.mark.parametrize("cat_qualities", [
    pytest.param((0.1, 0.2, 0.3), id="cats-ascending"),
    pytest.param((0.3, 0.2, 0.1), id="cats-descending"),
])
def test_quality_tie_does_not_depend_on_vote_order(cat_qualities):
    """0.1+0.2+0.3 sums to 0.6000000000000001 left to right, but to 0.6 right to left;
    an exact sum makes this a tie with dog's 0.6 either way, so dog's earlier first vote wins."""
    cats = [vote(m, "cat", 2 + i, q) for i, (m, q) in enumerate(zip("bcd", cat_qualities))]
    dogs = [vote("a", "dog", 1, 0.6), vote("e", "dog", 8, 0.0), vote("f", "dog", 9, 0.0)]
    box = mailbox(dogs[0], *cats, *dogs[1:], expected=tuple("abcdef"))
    assert outcome(POLICY.decide(box, EARLY_US)) == ("consensus", "a:v1")


def test_higher_quorum_needs_more_votes():
    policy = ConsensusPolicy({"quorum": "4"})
    box = mailbox(vote("a", "cat", 1), vote("b", "dog", 2), vote("c", "bird", 3), failed("d"),
                  expected=("a", "b", "c", "d"))
    assert outcome(policy.decide(box, EARLY_US)) == TIMEOUT  # 3 votes < quorum 4, no backstop


def test_defaults():
    policy = build_policy("consensus", {})
    assert (policy.name, policy.deadline_ms, policy.quorum, policy.backstop) == ("consensus", 50, 3, "")


@pytest.mark.parametrize("params, names", [
    pytest.param({"quorum": "2"}, "quorum", id="quorum-below-three"),
    pytest.param({"quorum": "most"}, "quorum", id="quorum-not-an-integer"),
    pytest.param({"deadline_ms": "0"}, "deadline_ms", id="deadline-zero"),
    pytest.param({"preferred": "a"}, "preferred", id="unknown-param"),
])
def test_bad_params(params, names):
    with pytest.raises(PolicyError, match=names):
        build_policy("consensus", params)


def test_an_unnamed_backstop_role_model_is_not_a_voter():
    # Three voters and a backstop-role model the policy doesn't name: two agreeing votes
    # are a strict majority of the three voters, so consensus is reached at once.
    box = mailbox(entry("a:1", "x", at=1), entry("b:1", "x", at=2), expected=("a:1", "b:1", "c:1", "bk:1"))
    box.backstops = frozenset({ref("bk:1")})
    policy = build_policy("consensus", {"quorum": "3"})
    assert outcome(policy.decide(box, 10)) == ("consensus", "a:1")
