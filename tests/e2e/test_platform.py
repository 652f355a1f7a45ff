"""The whole platform, driven over HTTP and over Kafka the way users do."""
from __future__ import annotations

import concurrent.futures

import httpx
import pytest

from examples.kafka_native import ask
from stack.demo import BACKSTOP, CHAMPION, FEATURES

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]
SETOSA = [5.1, 3.5, 1.4, 0.2]


def predict(platform, body, data_type="iris"):
    return httpx.post(f"{platform.url}/v1/predict/{data_type}", json=body, timeout=10)


def test_predict_with_a_list_answers_with_the_model_version(platform):
    response = predict(platform, {"features": SETOSA, "record_id": "flower-1"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["data_type"] == "iris" and body["record_id"] == "flower-1"
    assert body["output"]["label"] == "0"
    assert body["model"]["name"] in (CHAMPION, BACKSTOP) and body["model"]["version"] == "1"
    assert body["policy"] == "deadline" and body["reason"] in ("preferred", "backstop")
    assert body["latency_ms"] > 0 and body["request_id"]


def test_stack_up_warmed_the_data_path_before_ready(platform):
    # READY came after demo requests answered on time, so the first request of a test
    # does not pay every hop's one-off costs against the demo's 100 ms deadline.
    warmed = [line for line in platform.output if line.startswith("[up] warmed up:")]
    assert warmed and platform.output.index(warmed[0]) < next(
        i for i, line in enumerate(platform.output) if "READY" in line)


def test_predict_with_named_features(platform):
    response = predict(platform, {"features": dict(zip(FEATURES, (6.7, 3.0, 5.2, 2.3)))})
    assert response.status_code == 200, response.text
    assert response.json()["output"]["label"] == "2"


def test_many_concurrent_requests_each_get_exactly_one_answer(platform):
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        responses = list(pool.map(lambda _: predict(platform, {"features": SETOSA}), range(200)))
    # Under load on a small machine some may miss the deadline: that is an
    # explicit timeout answer (504), never a hang, an error or a second answer.
    assert {r.status_code for r in responses} <= {200, 504}
    assert all(r.json()["reason"] in ("preferred", "backstop", "timeout") for r in responses)
    ids = [r.json()["request_id"] for r in responses]
    assert len(set(ids)) == 200


def test_unknown_data_type_is_404_with_a_json_error(platform):
    response = predict(platform, {"features": SETOSA}, data_type="tulips")
    assert response.status_code == 404
    assert "unknown data type 'tulips'" in response.json()["error"]


@pytest.mark.parametrize("body", [{}, {"features": []}, {"features": "x"}, {"features": SETOSA, "deadline_ms": 0},
                                  {"features": SETOSA, "extra": 1}], ids=["empty", "no-values", "string",
                                                                           "zero-deadline", "extra-field"])
def test_malformed_body_is_422_with_what_is_wrong(platform, body):
    response = predict(platform, body)
    assert response.status_code == 422
    assert response.json()["error"] == "invalid request" and response.json()["detail"]


@pytest.mark.parametrize("features", [SETOSA[:2], [*SETOSA, 1.0],
                                      {**dict(zip(FEATURES, SETOSA)), "sepal_widht": 3.5},
                                      dict(zip(FEATURES[:3], SETOSA))],
                         ids=["short-list", "long-list", "unknown-name", "missing-name"])
def test_features_that_do_not_fit_the_schema_are_422_naming_the_expected_ones(platform, features):
    # Rejected by the gateway before anything is produced: a bad request never looks
    # like a slow platform (a 504 at the deadline).
    response = predict(platform, {"features": features})
    assert response.status_code == 422, response.text
    assert f"iris expects 4 features, in this order: {', '.join(FEATURES)}" in response.json()["error"]
    assert predict(platform, {"features": SETOSA}).status_code == 200


def test_oversized_body_is_413(platform):
    response = httpx.post(f"{platform.url}/v1/predict/iris", content=b"[" + b"1," * 100_000 + b"1]",
                          headers={"content-type": "application/json"})
    assert response.status_code == 413


def test_no_answer_by_the_deadline_is_an_explicit_504(platform):
    # 1 ms is less than one hop through the broker, so no score can be in time.
    response = predict(platform, {"features": SETOSA, "deadline_ms": 1})
    assert response.status_code == 504
    body = response.json()
    assert body["reason"] == "timeout" and body["model"] is None and body["request_id"]


def test_health_ready_and_docs(platform):
    assert httpx.get(f"{platform.url}/health").json() == {"status": "ok"}
    ready = httpx.get(f"{platform.url}/ready").json()
    assert ready["ready"] is True and ready["data_types"]["iris"] is True
    assert httpx.get(f"{platform.url}/docs").status_code == 200
    assert "/v1/predict/{data_type}" in httpx.get(f"{platform.url}/openapi.json").json()["paths"]


def test_kafka_native_client_gets_its_answer_on_its_own_topic(platform):
    answer = ask(platform.bootstrap, "iris", [6.7, 3.0, 5.2, 2.3])
    assert answer.output.label == "2" and answer.model.name in (CHAMPION, BACKSTOP)
