"""Admission control with a fake clock: the limit is the recent answer rate times the
target wait, between a floor and a ceiling; past it a request is refused; only answers
count towards the rate, and they stop counting once they fall out of the window."""
from __future__ import annotations

import pytest

from gateway.admission import AdmissionControl

pytestmark = pytest.mark.timeout(10)


def control(**overrides) -> AdmissionControl:
    knobs = dict(target_wait_s=0.2, window_s=1.0, min_limit=4, max_limit=100) | overrides
    return AdmissionControl(**knobs)


def answer(admission: AdmissionControl, count: int, now_s: float) -> None:
    for _ in range(count):
        assert admission.admit(now_s)
        admission.done(now_s, answered=True)


def test_a_cold_gateway_admits_the_floor_and_refuses_the_next():
    admission = control()
    assert [admission.admit(0.0) for _ in range(5)] == [True, True, True, True, False]
    assert admission.in_flight == 4


def test_a_place_frees_when_a_request_leaves():
    admission = control(min_limit=1)
    assert admission.admit(0.0) and not admission.admit(0.0)
    admission.done(0.1, answered=False)
    assert admission.admit(0.1)


def test_the_limit_is_the_answer_rate_times_the_target_wait():
    admission = control()
    answer(admission, 150, now_s=10.5)  # 150 answers in the last second: 150/s x 0.2 s
    assert admission.answer_rate(10.6) == 150
    assert admission.limit(10.6) == 30
    assert sum(admission.admit(10.6) for _ in range(40)) == 30


def test_a_batch_is_admitted_whole_or_not_at_all():
    admission = control()  # limit 4
    assert admission.admit(0.0, count=3)
    assert not admission.admit(0.0, count=2) and admission.in_flight == 3
    assert admission.admit(0.0, count=1) and admission.in_flight == 4


def test_a_batch_larger_than_the_limit_goes_alone():
    admission = control()  # limit 4
    assert admission.admit(0.0)
    assert not admission.admit(0.0, count=10)
    admission.done(0.0, answered=True)
    assert admission.admit(0.0, count=10) and admission.in_flight == 10
    assert not admission.admit(0.0)


@pytest.mark.parametrize("answers, limit", [(0, 4), (10, 4), (1000, 100)], ids=["none", "few", "many"])
def test_the_floor_and_the_ceiling_bound_the_limit(answers, limit):
    admission = control()
    answer(admission, answers, now_s=3.0)
    assert admission.limit(3.05) == limit


def test_gave_up_waits_are_not_answers():
    admission = control()
    for _ in range(200):
        admission.admit(1.0)
        admission.done(1.0, answered=False)
    assert admission.answer_rate(1.0) == 0 and admission.limit(1.0) == 4


def test_answers_leave_the_window_a_bucket_at_a_time():
    admission = control()
    answer(admission, 100, now_s=0.05)  # bucket 0
    answer(admission, 100, now_s=0.55)  # bucket 5
    assert admission.answer_rate(0.95) == 200
    assert admission.answer_rate(1.05) == 100  # bucket 0 has left the window, bucket 5 has not
    assert admission.answer_rate(1.55) == 0
    assert admission.limit(1.55) == 4


def test_the_limit_recovers_once_the_platform_answers_again():
    """A stall empties the window and the limit falls to the floor; answers at the old
    rate bring it back within one window."""
    admission = control()
    for tenth in range(10):
        answer(admission, 20, now_s=tenth / 10)
    assert admission.limit(0.99) == 40
    assert admission.limit(5.0) == 4
    for tenth in range(10):
        answer(admission, 20, now_s=5.0 + tenth / 10)
    assert admission.limit(5.99) == 40


@pytest.mark.parametrize("knobs", [dict(target_wait_s=0), dict(window_s=0), dict(min_limit=0),
                                   dict(min_limit=200, max_limit=100)])
def test_nonsense_knobs_are_refused(knobs):
    with pytest.raises(ValueError):
        control(**knobs)


class _State:
    def __init__(self, admission):
        self.service = type("Service", (), {"admission": admission})()


def _call_shed(path: str, admission: AdmissionControl) -> tuple[list[dict], bool]:
    import asyncio

    from gateway.limits import ShedWhenFull

    reached, sent = [], []

    async def inner(scope, receive, send):
        reached.append(scope["path"])

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": path, "app": type("App", (), {"state": _State(admission)})()}
    asyncio.run(ShedWhenFull(inner)(scope, None, send))
    return sent, bool(reached)


@pytest.mark.parametrize("path", ["/v1/predict/iris", "/v2/models/iris/infer"])
def test_a_full_gateway_refuses_a_prediction_before_reading_it(path):
    full = control(min_limit=1)
    full.admit(0.0)
    sent, reached = _call_shed(path, full)
    assert not reached
    headers = dict(sent[0]["headers"])
    assert sent[0]["status"] == 503 and headers[b"retry-after"] == b"1"
    assert b"requests in flight" in sent[1]["body"]


@pytest.mark.parametrize("path, full", [("/v1/predict/iris", False), ("/v1/models", True), ("/ready", True)])
def test_room_or_another_path_goes_through(path, full):
    admission = control(min_limit=1)
    if full:
        admission.admit(0.0)
    sent, reached = _call_shed(path, admission)
    assert reached and sent == []
