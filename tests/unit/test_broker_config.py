"""The embedded broker and docker-compose.yml run the same Apache Kafka with the same
settings: one version (stack/kafka/pom.xml), one broker configuration
(stack/kafka/broker.properties, mounted into the compose broker), and the clients'
defaults left alone. Only a node's identity, listeners, log directory and heap differ."""
from pathlib import Path

import pytest
import yaml

from common.kafka import producer_config
from common.settings import InfraSettings
from stack.broker import SHARED_PROPERTIES, BrokerLayout
from stack.broker_install import BrokerSetupError, java_binary, kafka_version

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
KAFKA = COMPOSE["services"]["kafka"]
# What a compose node may set itself: identity, listeners, storage and the JVM's heap.
NODE_ONLY = {"CLUSTER_ID", "KAFKA_NODE_ID", "KAFKA_PROCESS_ROLES", "KAFKA_CONTROLLER_QUORUM_VOTERS",
             "KAFKA_LISTENERS", "KAFKA_ADVERTISED_LISTENERS", "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP",
             "KAFKA_CONTROLLER_LISTENER_NAMES", "KAFKA_INTER_BROKER_LISTENER_NAME", "KAFKA_LOG_DIRS",
             "KAFKA_HEAP_OPTS"}


def shared() -> dict[str, str]:
    lines = (line.strip() for line in SHARED_PROPERTIES.read_text().splitlines())
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def test_compose_runs_the_pinned_kafka_version():
    assert KAFKA["image"] == f"apache/kafka:{kafka_version()}"


def test_compose_mounts_the_shared_broker_settings():
    assert "./stack/kafka/broker.properties:/mnt/shared/config/server.properties:ro" in KAFKA["volumes"]


def test_compose_sets_only_node_specific_broker_settings():
    env = set(KAFKA["environment"])
    assert env <= NODE_ONLY, f"set these in stack/kafka/broker.properties instead: {env - NODE_ONLY}"
    overridden = {key for key in env if key.removeprefix("KAFKA_").lower().replace("_", ".") in shared()}
    assert not overridden, f"compose overrides the shared broker settings: {overridden}"


def test_the_embedded_node_adds_nothing_the_shared_file_sets():
    node = BrokerLayout(Path("/tmp/x"), 9092, 9093).node_properties()
    assert not set(node) & set(shared())


def test_compose_clients_use_the_same_defaults_as_the_embedded_default():
    infra_env = COMPOSE["x-infra-env"]
    assert "FETCH_WAIT_MS" not in infra_env and "KAFKA_GROUP_PROTOCOL" not in infra_env


def test_broker_and_producers_agree_on_the_largest_message():
    assert int(shared()["message.max.bytes"]) == producer_config(InfraSettings())["message.max.bytes"]


def test_group_timeouts_are_within_their_own_bounds():
    s = {k: int(v) for k, v in shared().items() if k.startswith("group.consumer.")}
    assert s["group.consumer.min.heartbeat.interval.ms"] <= s["group.consumer.heartbeat.interval.ms"]
    assert s["group.consumer.min.session.timeout.ms"] <= s["group.consumer.session.timeout.ms"]
    assert s["group.consumer.heartbeat.interval.ms"] < s["group.consumer.session.timeout.ms"]


def test_disk_use_is_bounded_by_retention():
    s = shared()
    assert int(s["log.segment.bytes"]) < int(s["log.retention.bytes"])  # only rolled segments are deleted
    assert int(s["log.roll.ms"]) < int(s["log.retention.ms"])


def test_a_missing_java_is_one_clear_line(monkeypatch, tmp_path):
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BrokerSetupError) as error:
        java_binary()
    assert "Java 17+" in str(error.value) and "KAFKA_BOOTSTRAP" in str(error.value)
    assert "\n" not in str(error.value)


def test_an_old_java_is_refused(monkeypatch, tmp_path):
    fake = tmp_path / "bin" / "java"
    fake.parent.mkdir()
    fake.write_text('#!/bin/sh\necho \'openjdk version "11.0.2" 2019-01-15\' >&2\n')
    fake.chmod(0o755)
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))
    with pytest.raises(BrokerSetupError, match="needs Java 17"):
        java_binary()


def test_a_cluster_id_never_looks_like_an_option(monkeypatch):
    import uuid as uuid_module

    from stack import broker

    # b"\xf8" encodes to "-" first in URL-safe base64: the first draw must be refused.
    draws = iter([uuid_module.UUID(bytes=b"\xf8" + bytes(15)), uuid_module.UUID(bytes=bytes(16))])
    monkeypatch.setattr(broker.uuid, "uuid4", lambda: next(draws))
    cluster_id = broker.new_cluster_id()
    assert cluster_id == "AAAAAAAAAAAAAAAAAAAAAA" and len(cluster_id) == 22
