"""The metric families the services expose, read back through prometheus_client's own
parser: what Prometheus would scrape."""
import asyncio

import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from common.domain import Answer, Decision, Features, ModelLatency, ModelRef, Reason, Request, ReturnAddress, Score
from common.metrics import Buckets, Counts, Readings, process_registry
from gateway.metrics import UNKNOWN, GatewayMetrics, RequestMetrics, predict_route
from model_runners.metrics import ReplicaFamilies, ReplicaMetrics
from rendezvous.core import RendezvousCore
from rendezvous.catalog import Catalog
from rendezvous.metrics import RendezvousMetrics

pytestmark = pytest.mark.timeout(10)


def scrape(registry) -> dict:
    """family name -> {(sample name, sorted labels): value}"""
    return {f.name: {(s.name, tuple(sorted(s.labels.items()))): s.value for s in f.samples}
            for f in text_string_to_metric_families(generate_latest(registry).decode())}


def test_counts_add_up_per_label_tuple():
    counts = Counts("t_requests_total", "help", ("data_type", "status"))
    counts.inc(("iris", "200"))
    counts.add({("iris", "200"): 2, ("iris", "504"): 1})
    family = scrape(process_registry(counts))["t_requests"]
    assert family == {("t_requests_total", (("data_type", "iris"), ("status", "200"))): 3.0,
                      ("t_requests_total", (("data_type", "iris"), ("status", "504"))): 1.0}


def test_buckets_are_cumulative_with_le_upper_bounds_and_inf_equal_to_count():
    buckets = Buckets("t_seconds", "help", ("dt",), (0.01, 0.1, 1.0))
    buckets.observe(("a",), 0.01)  # on a bound: counted in that bucket (le)
    buckets.observe_many(("a",), [0.05, 0.5, 7.0])
    family = scrape(process_registry(buckets))["t_seconds"]
    by_le = {dict(labels)["le"]: v for (name, labels), v in family.items() if name == "t_seconds_bucket"}
    assert by_le == {"0.01": 1, "0.1": 2, "1.0": 3, "+Inf": 4}
    assert family[("t_seconds_count", (("dt", "a"),))] == 4
    assert family[("t_seconds_sum", (("dt", "a"),))] == pytest.approx(7.56)


def test_readings_are_read_when_scraped():
    state = {"open": 1}
    gauge = Readings("t_open", "help", (), lambda: {(): state["open"]})
    registry = process_registry(gauge)
    state["open"] = 5
    assert scrape(registry)["t_open"] == {("t_open", ()): 5.0}


def test_the_rendezvous_counts_a_batch_of_answers():
    core = RendezvousCore(Catalog())
    metrics = RendezvousMetrics(core)
    model = ModelRef("forest", "3")
    request = Request("r1", "iris", Features(values=(1.0,)), ReturnAddress("replies.x", "r1"), enqueued_at_us=1_000_000)
    answered = Answer("r1", "r1", "iris", "deadline", Reason.PREFERRED, model=model,
                      answered=(ModelLatency(model, 4_000),), decided_at_us=1_005_000)
    timed_out = Answer("r2", "r2", "iris", "deadline", Reason.TIMEOUT, decided_at_us=2_000_000)
    metrics.record_answers([Decision(request, answered), Decision(request, timed_out)])
    metrics.record_late([Score("r1", "iris", ModelRef("mlp", "1"))])
    families = scrape(metrics.registry)
    answers = families["rvs_answers"]
    assert answers[("rvs_answers_total", (("data_type", "iris"), ("policy", "deadline"), ("reason", "preferred")))] == 1
    assert answers[("rvs_answers_total", (("data_type", "iris"), ("policy", "deadline"), ("reason", "timeout")))] == 1
    assert families["rvs_wins"] == {("rvs_wins_total", (("data_type", "iris"), ("model", "forest"), ("version", "3"))): 1}
    assert families["rvs_answer_latency_seconds"][("rvs_answer_latency_seconds_sum", (("data_type", "iris"),))] == \
        pytest.approx(0.005 + 1.0)
    assert families["rvs_score_latency_seconds"][("rvs_score_latency_seconds_count", (
        ("data_type", "iris"), ("model", "forest"), ("version", "3")))] == 1
    assert families["rvs_late_scores"] == {("rvs_late_scores_total", (
        ("data_type", "iris"), ("model", "mlp"), ("version", "1"))): 1}
    assert families["rvs_mailboxes_open"] == {("rvs_mailboxes_open", ()): 0}


def test_the_supervisor_merges_each_replicas_families_under_its_labels():
    first, second = ReplicaMetrics(), ReplicaMetrics()
    first.record_batch(2, [Score("a", "iris", ModelRef("m", "1")), Score("b", "iris", ModelRef("m", "1"))], 0.002, 0)
    second.record_batch(1, [Score("c", "iris", ModelRef("m", "1"), error="boom")], 0.001, 3)
    local = Counts("rvs_dead_letters_total", "help", ("consumer", "topic"))
    local.inc(("supervisor", "models"))
    replicas = [({"data_type": "iris", "model": "m", "version": "1", "replica": str(i)}, m.text())
                for i, m in enumerate((first, second))]
    families = scrape(process_registry(ReplicaFamilies([local], lambda: replicas)))
    scores = families["rvs_runner_scores"]
    base = (("data_type", "iris"), ("model", "m"))
    assert scores[("rvs_runner_scores_total", (*base, ("outcome", "ok"), ("replica", "0"), ("version", "1")))] == 2
    assert scores[("rvs_runner_scores_total", (*base, ("outcome", "error"), ("replica", "1"), ("version", "1")))] == 1
    assert families["rvs_runner_expired"][("rvs_runner_expired_total", (*base, ("replica", "1"), ("version", "1")))] == 3
    assert ("rvs_dead_letters_total", (("consumer", "supervisor"), ("topic", "models"))) in families["rvs_dead_letters"]
    assert "python_gc_objects_collected" in families  # the supervisor's own, once: the replicas' are left out
    assert families["rvs_runner_replica_process_resident_memory_bytes"]


@pytest.mark.parametrize("path, route", [("/v1/predict/iris", ("v1", "iris")), ("/v2/models/iris/infer", ("v2", "iris")),
                                         ("/v1/models/iris", None), ("/v2/models/iris", None), ("/metrics", None)])
def test_which_paths_are_predictions(path, route):
    assert predict_route(path) == route


class KnowsIris:
    known_data_types = {"iris": True}

    def in_flight(self) -> int:
        return 2

    def admission_limit(self) -> int:
        return 40


def test_the_middleware_counts_every_status_and_hides_unknown_data_types():
    metrics = GatewayMetrics()
    metrics.service = KnowsIris()

    async def app(scope, receive, send):
        if scope["path"].endswith("boom"):
            raise RuntimeError("a bug")
        await send({"type": "http.response.start", "status": 200 if "iris" in scope["path"] else 404})
        await send({"type": "http.response.body", "body": b"{}"})

    async def ignore(message):
        return None

    async def drive():
        middleware = RequestMetrics(app, metrics)
        for path in ("/v1/predict/iris", "/v1/predict/iris", "/v1/predict/made-up", "/v1/predict/boom", "/health"):
            try:
                await middleware({"type": "http", "path": path}, None, ignore)
            except RuntimeError:
                pass

    asyncio.run(drive())
    families = scrape(metrics.registry)
    assert families["rvs_gateway_requests"] == {
        ("rvs_gateway_requests_total", (("api", "v1"), ("data_type", "iris"), ("status", "200"))): 2,
        ("rvs_gateway_requests_total", (("api", "v1"), ("data_type", UNKNOWN), ("status", "404"))): 1,
        ("rvs_gateway_requests_total", (("api", "v1"), ("data_type", UNKNOWN), ("status", "500"))): 1}
    assert families["rvs_gateway_request_seconds"][("rvs_gateway_request_seconds_count",
                                                     (("api", "v1"), ("data_type", "iris")))] == 2
    assert families["rvs_gateway_in_flight"] == {("rvs_gateway_in_flight", ()): 2}
    assert families["rvs_gateway_admission_limit"] == {("rvs_gateway_admission_limit", ()): 40}


def test_serve_binds_a_free_port_and_a_taken_one_is_logged_not_raised(caplog):
    import httpx

    from common.metrics import serve

    gauge = Readings("t_served", "help", (), lambda: {(): 1})
    port = serve(process_registry(gauge), "127.0.0.1", 0)
    assert port
    assert "t_served 1.0" in httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    assert serve(process_registry(), "127.0.0.1", port) is None
    assert "metrics not served" in caplog.text
