"""rvs policies, predict, audit, stats, replay and up against a stand-in gateway
(httpx.MockTransport): what each sends, what it prints, and the exit code it ends with."""
import json

import pytest

from stack.cli import replay
from stack.cli.exit_codes import ExitCode
from tests.cli_fake import FakeGateway, rvs

pytestmark = pytest.mark.timeout(20)
POLICY = {"data_type": "iris", "policy": "deadline", "updated_at_us": 1_764_600_000_000_000,
          "params": {"preferred": "iris-forest", "backstop": "iris-logreg", "deadline_ms": "50"}}


def test_policies_get_shows_the_policy_and_each_parameter():
    result = rvs(FakeGateway().on("GET", "/v1/data-types/iris/policy", (200, POLICY)), "policies", "get", "iris")
    assert result.exit_code == 0, result.output
    assert "deadline" in result.stdout and "preferred" in result.stdout and "iris-logreg" in result.stdout


def test_policies_get_without_a_policy_is_not_found():
    fake = FakeGateway().on("GET", "/v1/data-types/cats/policy", (404, {"error": "no policy set for 'cats'"}))
    assert rvs(fake, "policies", "get", "cats").exit_code == ExitCode.NOT_FOUND


def test_policies_set_sends_the_parameters_with_the_admin_token():
    fake = FakeGateway().on("PUT", "/v1/data-types/iris/policy", (202, POLICY))
    result = rvs(fake, "policies", "set", "iris", "deadline", "-p", "preferred=iris-forest", "--param",
                 "deadline_ms=50", ADMIN_TOKEN="s3cret")
    assert result.exit_code == 0, result.output
    sent = fake.last("PUT", "/v1/data-types/iris/policy")
    assert json.loads(sent.content) == {"policy": "deadline", "params": {"preferred": "iris-forest",
                                                                         "deadline_ms": "50"}}
    assert sent.headers["authorization"] == "Bearer s3cret"


def test_policies_set_shows_each_bad_parameter_the_gateway_named():
    invalid = {"error": "invalid request", "detail": [{"loc": ["body", "deadline", "params", "preferred"],
                                                       "msg": "Field required"}]}
    fake = FakeGateway().on("PUT", "/v1/data-types/iris/policy", (422, invalid))
    result = rvs(fake, "policies", "set", "iris", "deadline")
    assert result.exit_code == ExitCode.REFUSED and "deadline.params.preferred: Field required" in result.stderr


@pytest.mark.parametrize("args", [["iris", "fastest"], ["iris", "first", "-p", "deadline_ms"]])
def test_policies_set_refuses_an_unknown_policy_or_a_parameter_without_a_value(args):
    assert rvs(FakeGateway(), "policies", "set", *args).exit_code == ExitCode.USAGE


ANSWER = {"request_id": "r-1", "data_type": "iris", "record_id": "flower-1",
          "output": {"label": "0", "values": [0.98, 0.02, 0.0]}, "model": {"name": "iris-forest", "version": "1"},
          "policy": "deadline", "reason": "preferred", "latency_ms": 11.4, "waited_ms": 2.6,
          "answered": [{"model": {"name": "iris-forest", "version": "1"}, "latency_ms": 6.6}],
          "errored": [{"model": {"name": "iris-bad", "version": "3"}, "error": "shape mismatch", "latency_ms": 1.0}],
          "late": [{"name": "iris-logreg", "version": "1"}]}


def test_predict_shows_the_answer_and_what_every_model_did():
    fake = FakeGateway().on("POST", "/v1/predict/iris", (200, ANSWER))
    result = rvs(fake, "predict", "iris", "5.1", "3.5", "1.4", "0.2", "--record-id", "flower-1")
    assert result.exit_code == 0, result.output
    assert json.loads(fake.last("POST", "/v1/predict/iris").content) == {"features": [5.1, 3.5, 1.4, 0.2],
                                                                          "record_id": "flower-1"}
    out = result.stdout
    assert "iris-forest:1" in out and "0.980, 0.020, 0.000" in out and "preferred" in out and "r-1" in out
    assert "iris-logreg:1" in out and "late" in out and "shape mismatch" in out


def test_predict_takes_features_by_name():
    fake = FakeGateway().on("POST", "/v1/predict/iris", (200, ANSWER))
    result = rvs(fake, "predict", "iris", "-f", "sepal_length=5.1", "--feature", "sepal_width=3.5", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout) == ANSWER
    assert json.loads(fake.last("POST", "/v1/predict/iris").content)["features"] == {"sepal_length": 5.1,
                                                                                    "sepal_width": 3.5}


def test_predict_takes_negative_values_after_a_double_dash():
    fake = FakeGateway().on("POST", "/v1/predict/iris", (200, ANSWER))
    assert rvs(fake, "predict", "iris", "--json", "--", "-1.5", "2").exit_code == 0
    assert json.loads(fake.last("POST", "/v1/predict/iris").content)["features"] == [-1.5, 2.0]


@pytest.mark.parametrize("args", [["iris"], ["iris", "1", "-f", "a=1"], ["iris", "-f", "a"], ["iris", "x"]])
def test_predict_needs_values_or_named_features_but_not_both(args):
    assert rvs(FakeGateway(), "predict", *args).exit_code == ExitCode.USAGE


def test_a_prediction_no_model_answered_in_time_is_shown_and_exits_failed():
    timeout = {**ANSWER, "output": None, "model": None, "reason": "timeout", "answered": [], "errored": [],
               "error": "no model answered by the deadline"}
    result = rvs(FakeGateway().on("POST", "/v1/predict/iris", (504, timeout)), "predict", "iris", "1", "2")
    assert result.exit_code == ExitCode.FAILED and "timeout" in result.stdout
    assert "no model answered by the deadline" in result.stderr


@pytest.mark.parametrize("status, code", [(422, ExitCode.REFUSED), (404, ExitCode.NOT_FOUND),
                                          (503, ExitCode.UNAVAILABLE), (429, ExitCode.UNAVAILABLE)])
def test_a_prediction_the_gateway_refused_exits_with_what_failed(status, code):
    fake = FakeGateway().on("POST", "/v1/predict/iris", (status, {"error": "expected 4 features"}))
    result = rvs(fake, "predict", "iris", "1", "2")
    assert result.exit_code == code and "expected 4 features" in result.stderr


AUDIT = {"request": {"request_id": "r-1", "data_type": "iris", "record_id": "flower-1",
                     "input": {"values": [5.1, 3.5, 1.4, 0.2], "named": {}}, "enqueued_at_us": 1_764_600_000_000_000},
         "scores": [{"model": {"name": "iris-forest", "version": "1"}, "output": {"label": "0", "values": [1.0]},
                     "confidence": 0.97, "error": None, "latency_ms": 6.6, "late": False},
                    {"model": {"name": "iris-logreg", "version": "1"}, "output": {"label": "0", "values": [1.0]},
                     "confidence": 0.9, "error": None, "latency_ms": None, "late": True}],
         "decision": {"policy": "deadline", "reason": "preferred", "model": {"name": "iris-forest", "version": "1"},
                      "output": {"label": "0", "values": [1.0]}, "waited_ms": 2.6}}


def test_audit_of_a_request_shows_the_decision_and_every_score_with_the_audit_token():
    fake = FakeGateway().on("GET", "/v1/audit/r-1", (200, AUDIT))
    result = rvs(fake, "audit", "r-1", AUDIT_TOKEN="read-only", ADMIN_TOKEN="admin")
    assert result.exit_code == 0, result.output
    assert fake.last("GET", "/v1/audit/r-1").headers["authorization"] == "Bearer read-only"
    rows = result.stdout.splitlines()
    assert any("iris-logreg:1" in r and "late" in r for r in rows)
    assert any("iris-forest:1" in r and "in time" in r and "0.97" in r for r in rows)
    assert "flower-1" in result.stdout and "[5.1, 3.5, 1.4, 0.2]" in result.stdout


def test_audit_by_record_lists_its_requests_and_falls_back_to_the_admin_token():
    body = {"record_id": "flower-1", "requests": [
        {"request_id": "r-1", "enqueued_at_us": 1_764_600_000_000_000, "model": {"name": "iris-forest",
                                                                               "version": "1"}, "reason": "preferred"}]}
    fake = FakeGateway().on("GET", "/v1/audit", (200, body))
    result = rvs(fake, "audit", "--record", "flower-1", ADMIN_TOKEN="admin")
    assert result.exit_code == 0 and "r-1" in result.stdout and "iris-forest:1" in result.stdout
    sent = fake.last("GET", "/v1/audit")
    assert sent.url.params["record_id"] == "flower-1" and sent.headers["authorization"] == "Bearer admin"


@pytest.mark.parametrize("args", [[], ["r-1", "--record", "flower-1"]])
def test_audit_needs_a_request_id_or_a_record_id(args):
    assert rvs(FakeGateway(), "audit", *args).exit_code == ExitCode.USAGE


def test_audit_with_a_wrong_token_exits_unauthorized():
    fake = FakeGateway().on("GET", "/v1/audit/r-1", (403, {"error": "audit API: wrong token"}))
    result = rvs(fake, "audit", "r-1", AUDIT_TOKEN="wrong")
    assert result.exit_code == ExitCode.UNAUTHORIZED and "set AUDIT_TOKEN" in result.stderr


def test_stats_per_model_version():
    body = {"name": "iris-forest", "versions": {"1": {"count": 40, "wins": 38, "late": 1, "errors": 0,
                                                      "agreement": 0.95, "latency_ms": {"p50": 6.5, "p99": 12.25}}}}
    result = rvs(FakeGateway().on("GET", "/v1/models/iris-forest/stats", (200, body)), "stats", "model", "iris-forest")
    assert result.exit_code == 0, result.output
    row = next(line for line in result.stdout.splitlines() if "95.0%" in line)
    assert all(v in row for v in ("40", "38", "6.500", "12.250"))


def test_stats_per_data_type_shows_each_reason_and_its_share():
    body = {"data_type": "iris", "answers": 4, "reasons": {"preferred": 3, "timeout": 1},
            "latency_ms": {"p50": 9.0, "p99": 50.0, "mean": 19.0, "max": 50.0, "window": 4}}
    result = rvs(FakeGateway().on("GET", "/v1/data-types/iris/stats", (200, body)), "stats", "data-type", "iris")
    assert result.exit_code == 0 and "Answers for iris: 4" in result.stdout
    assert any("preferred" in r and "75.0%" in r for r in result.stdout.splitlines())


def test_replay_follows_the_job_and_exits_failed_when_it_fails(monkeypatch):
    monkeypatch.setattr(replay, "POLL_S", 0)
    fake = FakeGateway().on("POST", "/v1/replays", (202, {"replay_id": "rp-1"})).on(
        "GET", "/v1/replays/rp-1", (200, {"replay_id": "rp-1", "status": "running", "done": 1, "total": 9}),
        (200, {"replay_id": "rp-1", "status": "failed", "reason": "no decisions in range"}))
    result = rvs(fake, "replay", "--data-type", "iris", "--model", "iris-forest", "--version", "2", "--since", "1h")
    assert result.exit_code == ExitCode.FAILED and "no decisions in range" in result.stderr
    assert json.loads(fake.last("POST", "/v1/replays").content)["since"] == "1h"


def test_up_passes_its_options_to_the_stack(monkeypatch):
    import stack.up

    calls = []
    monkeypatch.setattr(stack.up, "run", lambda **kw: calls.append(kw) or 0)
    assert rvs(FakeGateway(), "up", "--no-demo", "--gateways", "2").exit_code == 0
    assert calls == [{"demo": False, "run_dir": ".run", "gateways": 2, "rendezvous": 1, "brokers": 1,
                      "ray_worker_nodes": 0}]
    assert rvs(FakeGateway(), "up", "--brokers", "3", "--ray-worker-nodes", "1").exit_code == 0
    assert calls[-1]["brokers"] == 3 and calls[-1]["ray_worker_nodes"] == 1
    assert rvs(FakeGateway(), "up", "--gateways", "9").exit_code == ExitCode.USAGE
