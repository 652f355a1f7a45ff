"""The replay's tally: exact agreement, confusion, per-model agreement, latency, errors,
and what each policy would have answered with the candidate serving."""
import pytest

from common.domain import ModelRef, Role
from common.policies import build_policy
from replay.report import ReplayTally
from tests.replay_factory import BACKSTOP, CANDIDATE, CHAMPION, candidate_score, decision

pytestmark = pytest.mark.timeout(10)
ROLES = {CHAMPION: Role.SERVE, BACKSTOP: Role.BACKSTOP, CANDIDATE: Role.CANDIDATE}
QUALITY = {CHAMPION: 0.90, BACKSTOP: 0.80, CANDIDATE: 0.95}
# (official, backstop, candidate): 10 rows, 7 where the candidate agrees with the official label.
ROWS = [("0", "0", "0"), ("0", "0", "0"), ("1", "1", "1"), ("1", "2", "2"), ("2", "2", "2"),
        ("2", "2", "1"), ("1", "1", "1"), ("0", "0", "0"), ("2", "1", "1"), ("1", "1", "1")]


def tally(policies=None) -> ReplayTally:
    policies = policies or {"live:deadline": build_policy("deadline", {"preferred": "forest", "backstop": "logreg"}),
                            "quality": build_policy("quality", {}), "consensus": build_policy("consensus", {})}
    return ReplayTally(CANDIDATE, policies, lambda r: ROLES.get(r, Role.RETIRED), lambda r: QUALITY.get(r, 0.0))


def replayed(rows=ROWS, errors: int = 0) -> dict:
    t = tally()
    for i, (official, backstop, label) in enumerate(rows):
        d = decision(i, official, backstop)
        t.add(d, candidate_score(d, label))
    for j in range(errors):
        d = decision(100 + j, "0", "0")
        t.add(d, candidate_score(d, "", error="cannot score"))
    return t.report()


def test_agreement_and_confusion_are_exact():
    report = replayed()
    assert (report["rows"], report["compared"], report["agreed"], report["agreement"]) == (10, 10, 7, 0.7)
    assert report["confusion"] == {"0": {"0": 3}, "1": {"1": 3, "2": 2}, "2": {"1": 1, "2": 1}}


def test_agreement_with_each_live_model():
    models = replayed()["models"]
    assert models == {"forest:1": {"compared": 10, "agreed": 7, "agreement": 0.7},
                      "logreg:1": {"compared": 10, "agreed": 9, "agreement": 0.9}}


def test_latency_is_runtime_time_of_candidate_and_live_models():
    latency = replayed()["latency_ms"]
    assert latency["candidate"]["p50"] == 0.4 and latency["candidate"]["window"] == 10
    assert latency["live"]["forest:1"]["p99"] == 0.5 and latency["live"]["logreg:1"]["p50"] == 0.2


def test_errors_are_counted_with_examples_and_leave_agreement_alone():
    report = replayed(errors=7)
    assert report["rows"] == 17 and report["compared"] == 10 and report["agreement"] == 0.7
    assert report["errors"]["count"] == 7 and len(report["errors"]["examples"]) == 5
    assert report["errors"]["examples"][0] == {"request_id": "r100", "error": "cannot score"}


def test_policies_with_the_candidate_in_its_models_place():
    policies = replayed()["policies"]
    # deadline prefers "forest": the candidate, a forest version, answers every row in its place.
    assert policies["live:deadline"]["candidate_won"] == 10 and policies["live:deadline"]["answer_changed"] == 3
    # quality by metric: the candidate (0.95) beats the backstop (0.80) on every row.
    assert policies["quality"]["candidate_won"] == 10 and policies["quality"]["reasons"] == {"quality": 10}
    # consensus needs 3 voters; with one serving model it falls back: there is no backstop named.
    assert policies["consensus"]["candidate_won"] == 0 and policies["consensus"]["reasons"] == {"timeout": 10}
    assert policies["consensus"]["answer_changed"] == 10


def test_a_lower_quality_candidate_loses_under_quality():
    t = ReplayTally(CANDIDATE, {"quality": build_policy("quality", {})}, lambda r: ROLES.get(r, Role.RETIRED),
                    lambda r: {**QUALITY, CANDIDATE: 0.5}.get(r, 0.0))
    d = decision(0, "0", "1")
    t.add(d, candidate_score(d, "2"))
    outcome = t.report()["policies"]["quality"]
    assert outcome["candidate_won"] == 0 and outcome["answer_changed"] == 1  # the backstop's "1" wins


def test_a_new_model_name_joins_as_a_serving_model():
    newcomer = ModelRef("boosted", "1")
    t = ReplayTally(newcomer, {"first": build_policy("first", {})}, lambda r: ROLES.get(r, Role.RETIRED),
                    lambda r: 0.5)
    d = decision(0, "0", "0")
    score = candidate_score(d, "0")
    t.add(d, type(score)(score.request_id, score.data_type, newcomer, score.output, 0.7, 0, 0, 100))
    report = t.report()
    assert report["models"]["forest:1"]["compared"] == 1  # the live forest is still compared with
    assert report["policies"]["first"]["evaluated"] == 1
