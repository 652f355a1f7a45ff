"""Every service's /metrics, as `make up` printed them, scraped after real traffic and
read with prometheus_client's own parser: the families the dashboard in docs/grafana
charts exist, with values that follow the traffic sent."""
from __future__ import annotations

import time

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]
SETOSA = [5.1, 3.5, 1.4, 0.2]
SENT = 30


def scrape(url: str) -> dict[str, list]:
    """family name -> its samples."""
    response = httpx.get(url, timeout=10)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    return {f.name: f.samples for f in text_string_to_metric_families(response.text)}


def total(families: dict, family: str, sample: str | None = None, **labels) -> float:
    """The sum of a family's samples named `sample` (the family's name by default) whose labels include `labels`."""
    name = sample or family
    return sum(s.value for s in families.get(family, ()) if s.name == name and labels.items() <= s.labels.items())


def scrape_all(platform) -> dict[str, dict]:
    return {name: scrape(url) for name, url in platform.metrics_urls.items()}


def eventually(platform, check, timeout: float = 60.0) -> None:
    """Scrape until `check(scrapes)` holds: runners report through their supervisor every
    2 s, the registry measures lag every 5 s and writes audit records in batches."""
    deadline = time.monotonic() + timeout
    while True:
        scrapes = scrape_all(platform)
        try:
            check(scrapes)
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


@pytest.fixture(scope="module")
def traffic(platform):
    """Scrapes before and after SENT good predictions and one for an unknown data type."""
    assert set(platform.metrics_urls) == {"registry", "rendezvous", "model_runners", "stats", "gateway"}
    before = scrape_all(platform)
    statuses = [httpx.post(f"{platform.url}/v1/predict/iris", json={"features": SETOSA}, timeout=10).status_code
                for _ in range(SENT)]
    assert httpx.post(f"{platform.url}/v1/predict/no-such-type", json={"features": SETOSA}).status_code == 404
    return before, statuses


def test_the_gateway_counts_requests_by_data_type_and_status(platform, traffic):
    before, statuses = traffic

    def check(after):
        b, a = before["gateway"], after["gateway"]
        for status in set(statuses):
            sent = statuses.count(status)
            assert total(a, "rvs_gateway_requests", "rvs_gateway_requests_total", data_type="iris", status=str(status)) - \
                total(b, "rvs_gateway_requests", "rvs_gateway_requests_total", data_type="iris", status=str(status)) == sent
        assert total(a, "rvs_gateway_requests", "rvs_gateway_requests_total", data_type="unknown", status="404") >= 1
        assert total(a, "rvs_gateway_request_seconds", "rvs_gateway_request_seconds_count", data_type="iris") - \
            total(b, "rvs_gateway_request_seconds", "rvs_gateway_request_seconds_count", data_type="iris") == SENT
        assert total(a, "rvs_gateway_in_flight") == 0
        assert total(a, "process_cpu_seconds", "process_cpu_seconds_total") > 0
    eventually(platform, check)


def test_the_rendezvous_counts_answers_by_policy_and_reason_with_their_latency(platform, traffic):
    before, statuses = traffic

    def check(after):
        b, a = before["rendezvous"], after["rendezvous"]
        answers = total(a, "rvs_answers", "rvs_answers_total", data_type="iris", policy="deadline") - \
            total(b, "rvs_answers", "rvs_answers_total", data_type="iris", policy="deadline")
        assert answers == SENT
        latency = [s for s in a["rvs_answer_latency_seconds"] if s.labels.get("data_type") == "iris"]
        count = next(s.value for s in latency if s.name.endswith("_count"))
        inf = next(s.value for s in latency if s.labels.get("le") == "+Inf")
        assert count == inf >= SENT
        assert 0 < next(s.value for s in latency if s.name.endswith("_sum")) / count < 5  # seconds, not µs
        wins = total(a, "rvs_wins", "rvs_wins_total", data_type="iris") - total(b, "rvs_wins", "rvs_wins_total",
                                                                                data_type="iris")
        assert wins == statuses.count(200)
        assert total(a, "rvs_mailboxes_open") == 0  # every request answered
        assert "rvs_late_scores" in a and "rvs_dead_letters" in a and "rvs_score_latency_seconds" in a
    eventually(platform, check)


def test_the_runner_supervisor_serves_each_replicas_scores_and_batches(platform, traffic):
    before, _ = traffic

    def check(after):
        b, a = before["model_runners"], after["model_runners"]
        scores = [s for s in a["rvs_runner_scores"] if s.labels["data_type"] == "iris" and s.labels["outcome"] == "ok"]
        versions = {(s.labels["model"], s.labels["version"]) for s in scores}
        assert len(versions) >= 2  # the demo's champion and backstop
        for model, version in versions:
            scored = total(a, "rvs_runner_scores", "rvs_runner_scores_total", model=model, version=version,
                           outcome="ok") - total(b, "rvs_runner_scores", "rvs_runner_scores_total", model=model,
                                                 version=version, outcome="ok")
            assert scored >= SENT - total(a, "rvs_runner_expired", "rvs_runner_expired_total", model=model)
        batches = total(a, "rvs_runner_batch_size", "rvs_runner_batch_size_count", data_type="iris")
        assert batches >= 1
        assert total(a, "rvs_runner_batch_size", "rvs_runner_batch_size_sum", data_type="iris") >= batches
        assert total(a, "rvs_runner_batch_seconds", "rvs_runner_batch_seconds_count", data_type="iris") >= 1
        assert total(a, "rvs_runner_replica_process_resident_memory_bytes") > 0
    eventually(platform, check)


def test_the_stats_app_counts_the_records_it_folds(platform, traffic):
    before, statuses = traffic

    def check(after):
        folded = total(after["stats"], "rvs_stats_records", outcome="folded") - \
            total(before["stats"], "rvs_stats_records", outcome="folded")
        assert folded >= statuses.count(200)
        assert total(after["stats"], "process_cpu_seconds", "process_cpu_seconds_total") > 0

    eventually(platform, check)


def test_the_registry_counts_model_versions_and_measures_consumer_lag(platform, traffic):
    before, _ = traffic

    def check(after):
        a = after["registry"]
        assert total(a, "rvs_model_versions", data_type="iris", role="serve", status="ready") >= 1
        assert total(a, "rvs_model_versions", data_type="iris", role="backstop", status="ready") >= 1
        ready = [s for s in a["rvs_model_replicas_ready"] if s.labels["data_type"] == "iris"]
        assert ready and all(s.value >= 1 for s in ready)
        lag = {s.labels["group"]: s.value for s in a["rvs_consumer_lag"]}
        assert "rendezvous" in lag and "registry-audit" in lag
        assert any(group.startswith("runner.iris.") for group in lag)
        assert all(value >= 0 for value in lag.values())
        decisions = total(a, "rvs_audit_records", "rvs_audit_records_total", kind="decision") - \
            total(before["registry"], "rvs_audit_records", "rvs_audit_records_total", kind="decision")
        assert decisions >= SENT
    eventually(platform, check)
