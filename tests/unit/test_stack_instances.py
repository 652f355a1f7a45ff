"""`stack up --gateways N --rendezvous N`: which processes it starts, and with what."""
import pytest

from stack.services import instances

pytestmark = pytest.mark.timeout(10)


def test_one_of_each_service_by_default():
    started = instances({"GATEWAY_PORT": "8100"})
    assert [(name, module) for name, module, _ in started] == [
        ("registry", "registry"), ("rendezvous", "rendezvous"), ("model_runners", "model_runners"),
        ("stats", "stats"), ("gateway", "gateway")]


def test_extra_gateways_get_the_next_ports_and_their_own_return_address():
    env = {"GATEWAY_PORT": "8100", "GATEWAY_INSTANCE_ID": "edge", "ADMIN_TOKEN": "t"}
    started = {name: (module, child) for name, module, child in instances(env, gateways=3, rendezvous=2)}
    assert [n for n in started if n.startswith(("gateway", "rendezvous"))] == [
        "rendezvous", "rendezvous-2", "gateway", "gateway-2", "gateway-3"]
    assert [started[n][1]["GATEWAY_PORT"] for n in ("gateway", "gateway-2", "gateway-3")] == ["8100", "8101", "8102"]
    assert [started[n][1]["GATEWAY_INSTANCE_ID"] for n in ("gateway", "gateway-2", "gateway-3")] == [
        "edge", "edge-2", "edge-3"]
    assert started["rendezvous-2"][0] == "rendezvous" and "ADMIN_TOKEN" not in started["rendezvous-2"][1]
    assert env["GATEWAY_PORT"] == "8100"  # the launcher's own environment is left alone


def test_without_a_chosen_instance_id_each_gateway_generates_its_own():
    started = {name: child for name, _, child in instances({"GATEWAY_PORT": "8100"}, gateways=2)}
    assert "GATEWAY_INSTANCE_ID" not in started["gateway"] and "GATEWAY_INSTANCE_ID" not in started["gateway-2"]


def test_kafka_services_get_consecutive_metrics_ports_and_the_gateway_serves_its_own():
    from stack.services import metrics_ports, with_metrics_port

    ports = iter([9400, 9401, 9405, 9406])
    started = [with_metrics_port(module, child, ports) for _, module, child in instances({"GATEWAY_PORT": "8100"})]
    assert [url for _, url in started] == ["http://127.0.0.1:9400/metrics", "http://127.0.0.1:9401/metrics",
                                           "http://127.0.0.1:9405/metrics", "http://127.0.0.1:9406/metrics",
                                           "http://127.0.0.1:8100/metrics"]
    assert started[0][0]["METRICS_PORT"] == "9400" and "METRICS_PORT" not in started[4][0]
    assert next(metrics_ports(0)) > 0  # 0: any free port


def test_the_stats_app_gets_a_web_port_and_the_gateway_its_address(tmp_path):
    from stack.up import place_stats_app

    env = {"STATS_WEB_PORT": "7123"}
    assert place_stats_app(env, str(tmp_path)) == "http://127.0.0.1:7123"
    assert env["GATEWAY_STATS_URL"] == "http://127.0.0.1:7123" and env["STATS_DATA_DIR"] == str(tmp_path / "stats")
    chosen = {}
    place_stats_app(chosen, str(tmp_path))
    assert int(chosen["STATS_WEB_PORT"]) > 0 and chosen["GATEWAY_STATS_URL"].endswith(chosen["STATS_WEB_PORT"])
