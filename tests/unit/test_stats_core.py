"""The serving-stats core: what a decision contributes, windows, exactly-once folding,
and percentiles from the bounded sketch."""
import random

import pytest

from common.domain import Answer, Decision, Features, ModelLatency, ModelRef, Output, Reason, Request, ReturnAddress, Score
from common.stats import percentile
from stats import sketch, windows
from stats.facts import from_decision, from_late_score

pytestmark = pytest.mark.timeout(10)
A, B = ModelRef("iris", "1"), ModelRef("iris", "2")


def decision(at_us=1_000_000_000_000_000, winner=A, label_b="setosa", error_b=""):
    request = Request("r1", "iris", Features((1.0,)), ReturnAddress("replies.g", "r1"), at_us - 5_000)
    scores = (Score("r1", "iris", A, Output("setosa")), Score("r1", "iris", B, Output(label_b), error=error_b))
    answer = Answer("r1", "r1", "iris", "deadline", Reason.PREFERRED, Output("setosa" if winner == A else label_b), winner,
                    answered=(ModelLatency(A, 2_000), ModelLatency(B, 4_000)), decided_at_us=at_us)
    return Decision(request, answer, scores)


def by_key(contributions):
    return {c.key: c for c in contributions}


def test_a_decision_counts_the_answer_and_every_version():
    found = by_key(from_decision(decision(label_b="versicolor")))
    assert found["data-type/iris"].counts == {"answers": 1, "reason:preferred": 1}
    assert found["data-type/iris"].latencies_ms == (5.0,)
    assert found["model/iris/1"].counts == {"scored": 1, "wins": 1, "compared": 1, "agreed": 1}
    assert found["model/iris/2"].counts == {"scored": 1, "compared": 1}  # disagreed, lost
    assert found["model/iris/2"].latencies_ms == (4.0,)
    assert {c.at_s for c in found.values()} == {1_000_000_000.0}


def test_an_error_counts_as_scored_and_errored_with_no_latency():
    found = by_key(from_decision(decision(error_b="boom")))
    assert found["model/iris/2"].counts == {"scored": 1, "errors": 1} and found["model/iris/2"].latencies_ms == ()


def test_a_version_scoring_twice_is_one_contribution():
    d = decision()
    twice = Decision(d.request, d.answer, d.scores + (d.scores[0],))
    found = [c for c in from_decision(twice) if c.key == "model/iris/1"]
    assert len(found) == 1 and found[0].counts["scored"] == 2


def test_a_late_score_counts_late_at_its_finish_or_its_record_time():
    late = Score("r1", "iris", B, Output("x"), finished_us=7_000_000)
    assert [(c.key, c.at_s, c.counts) for c in from_late_score(late, 99.0)] == [("model/iris/2", 7.0, {"late": 1})]
    assert from_late_score(Score("r1", "iris", B, Output("x")), 99.0)[0].at_s == 99.0


@pytest.mark.parametrize("at_s, width, start", [(0.0, 10, 0.0), (9.999, 10, 0.0), (10.0, 10, 10.0),
                                                (125.5, 60, 120.0), (1_700_000_059.9, 60, 1_700_000_040.0)])
def test_tumbling_windows_are_aligned_to_multiples_of_their_width(at_s, width, start):
    assert windows.window_start(at_s, width) == start


def test_folding_is_exactly_once_per_record_and_partition():
    contribution = by_key(from_decision(decision()))["model/iris/1"]
    aggregate = windows.empty()
    assert windows.fold_into(aggregate, contribution, "decisions/0", 5)
    assert not windows.fold_into(aggregate, contribution, "decisions/0", 5)  # redelivered
    assert not windows.fold_into(aggregate, contribution, "decisions/0", 3)  # replayed from before
    assert windows.fold_into(aggregate, contribution, "decisions/1", 3)  # another partition has its own mark
    assert windows.fold_into(aggregate, contribution, "decisions/0", 6)
    assert aggregate["counts"]["scored"] == 3 and aggregate["through"] == {"decisions/0": 6, "decisions/1": 3}


def test_copy_leaves_the_table_value_alone():
    value = windows.empty()
    working = windows.copy(value)
    windows.fold_into(working, by_key(from_decision(decision()))["model/iris/1"], "decisions/0", 0)
    assert value == windows.empty() and windows.copy({}) == windows.copy(None) == windows.empty()


def test_views_show_counts_agreement_and_percentiles():
    dt, model = windows.empty(), windows.empty()
    for offset, d in enumerate([decision(), decision(winner=B, label_b="versicolor")]):
        found = by_key(from_decision(d))
        windows.fold_into(dt, found["data-type/iris"], "decisions/0", offset)
        windows.fold_into(model, found["model/iris/1"], "decisions/0", offset)
    view = windows.model_view(10.0, 10.0, model)
    assert (view["start"], view["end"], view["scored"], view["wins"], view["agreement"]) == (10.0, 20.0, 2, 1, 0.5)
    assert 2.0 <= view["latency_ms"]["p50"] <= 2.0 * sketch.GROWTH
    dt_view = windows.data_type_view(0.0, 60.0, dt)
    assert dt_view["answers"] == 2 and dt_view["reasons"] == {"preferred": 2}
    assert windows.model_view(0.0, 10.0, windows.empty())["agreement"] is None


def test_sketch_percentiles_are_within_one_bucket_of_the_exact_ones():
    rng = random.Random(7)
    values = [rng.lognormvariate(1.5, 1.0) for _ in range(5000)]
    counted = sketch.add({}, values)
    assert sum(counted.values()) == 5000 and len(counted) <= sketch.LARGEST_BUCKET + 1
    for q in (50, 90, 99):
        exact = percentile(sorted(values), q)
        assert exact <= sketch.percentile(counted, q) <= exact * sketch.GROWTH * 1.0001


def test_sketch_is_bounded_at_both_ends():
    counted = sketch.add({}, [0.0, 1e-9, 1e12, float(10**9)])
    assert set(counted) == {"0", str(sketch.LARGEST_BUCKET)}
    assert sketch.percentile({}, 50) is None
    with pytest.raises(ValueError):
        sketch.percentile(counted, 101)
