"""How `stack up --brokers N` lays out its Kafka cluster and `--ray-worker-nodes N` its
Ray nodes, without starting either (the clusters themselves: tests marked chaos)."""
from pathlib import Path

import pytest

from stack import kafka_cluster, ray_nodes
from stack.broker import BrokerLayout

pytestmark = pytest.mark.timeout(10)


def test_three_brokers_replicate_three_times_and_need_two_in_sync():
    assert kafka_cluster.replication(3) == (3, 2)
    assert kafka_cluster.replication(5) == (3, 2)
    assert kafka_cluster.replication(1) == (1, 1)
    settings = dict(kafka_cluster.node_settings(3))
    assert settings["default.replication.factor"] == settings["offsets.topic.replication.factor"] == "3"
    assert settings["min.insync.replicas"] == settings["transaction.state.log.min.isr"] == "2"


def test_every_node_names_every_voter_and_has_its_own_ports_and_home(tmp_path):
    cluster = kafka_cluster.plan(tmp_path, 3)
    homes = {node.home for node in cluster.nodes}
    ports = [port for node in cluster.nodes for port in (node.port, node.controller_port)]
    assert len(homes) == 3 and len(set(ports)) == 6
    voters = {node.node_properties()["controller.quorum.voters"] for node in cluster.nodes}
    assert voters == {",".join(f"{n.node_id}@127.0.0.1:{n.controller_port}" for n in cluster.nodes)}
    first = cluster.nodes[0].node_properties()
    assert first["node.id"] == "1" and "controller.quorum.bootstrap.servers" not in first
    assert first["min.insync.replicas"] == "2"
    assert cluster.bootstrap == ",".join(f"127.0.0.1:{n.port}" for n in cluster.nodes)
    assert [cluster.name(n) for n in cluster.nodes] == ["broker-1", "broker-2", "broker-3"]


def test_the_single_broker_keeps_its_standalone_controller(tmp_path):
    properties = BrokerLayout(tmp_path, 9092, 9093).node_properties()
    assert properties["controller.quorum.bootstrap.servers"] == "127.0.0.1:9093"
    assert "controller.quorum.voters" not in properties and "min.insync.replicas" not in properties


def test_a_fault_finds_the_bootstrap_in_the_run_dir(tmp_path):
    cluster = kafka_cluster.plan(tmp_path / "kafka-3", 3)
    for node in cluster.nodes:
        node.home.mkdir(parents=True)
        node.config.write_text("".join(f"{k}={v}\n" for k, v in node.node_properties().items()))
    assert kafka_cluster.bootstrap_of(tmp_path) == cluster.bootstrap
    with pytest.raises(LookupError):
        kafka_cluster.bootstrap_of(tmp_path / "elsewhere")


def test_ray_nodes_keep_their_temp_dirs_short_enough_for_unix_sockets(tmp_path, monkeypatch):
    monkeypatch.setattr(ray_nodes, "LONGEST_TEMP_DIR", len(str(tmp_path.resolve())) + 10)
    assert ray_nodes.temp_dir_for(tmp_path, "ray-head") == tmp_path.resolve() / "ray-head"
    temp = ray_nodes.temp_dir_for(tmp_path / "a-longer-run-dir", "ray-worker-1")
    assert not str(temp).startswith(str(tmp_path)) and temp.is_dir() and "ray-worker-1" in temp.name
    temp.rmdir()


def test_ray_nodes_join_the_head_with_the_platforms_own_token(tmp_path):
    auth = ray_nodes.auth_env(tmp_path)
    token = Path(auth["RAY_AUTH_TOKEN_PATH"])
    assert auth["RAY_AUTH_MODE"] == "token" and token.parent == tmp_path.resolve()
    assert token.stat().st_mode & 0o077 == 0 and len(token.read_text()) == 64
    assert ray_nodes.auth_env(tmp_path) == auth and len(token.read_text()) == 64  # written once
    head, address = ray_nodes.head(tmp_path, tmp_path, 4)
    worker = ray_nodes.worker(tmp_path, tmp_path, address, 1, 4)
    assert "--head" in head.command and f"--address={address}" in worker.command
    assert all("--block" in node.command for node in (head, worker))
    assert '--resources={"ray-worker-1": 1}' in worker.command

