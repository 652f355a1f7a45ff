"""The legs of one request, from its audit record (python -m loadtest.legs)."""
from loadtest.legs import legs_of

WINNER = {"name": "iris-forest", "version": "1"}


def record(decision_model=WINNER):
    return {"request": {"enqueued_at_us": 1_000_000},
            "scores": [{"model": {"name": "iris-logreg", "version": "1"},
                        "runner": {"queued_us": 1_000_500, "started_us": 1_000_600, "finished_us": 1_000_700}},
                       {"model": WINNER,
                        "runner": {"queued_us": 1_001_000, "started_us": 1_001_100, "finished_us": 1_001_300}}],
            "decision": {"model": decision_model, "decided_at_us": 1_002_300}}


def test_the_legs_follow_the_winning_models_score_and_add_up_to_the_total():
    legs = legs_of(record(), sent_s=0.999, received_s=1.004)
    assert legs["gateway -> runner"] == 1.0 and legs["runner"] == 0.3 and legs["runner -> decided"] == 1.0
    assert round(legs["decided -> client"], 6) == 1.7 and round(legs["total"], 6) == 5.0


def test_a_request_no_model_won_has_no_legs():
    assert legs_of(record(decision_model=None), 0.999, 1.1) is None
