"""Limits that depend on each other are checked where both are known."""
import pytest

from common.kafka import producer_config
from common.settings import InfraSettings
from gateway.adapter import create_app
from gateway.settings import DESCRIPTOR_ROOM_BYTES, GatewaySettings, check_model_fits_a_message

pytestmark = pytest.mark.timeout(10)
MIB = 1024 * 1024


def test_the_producers_message_cap_is_a_setting(monkeypatch):
    monkeypatch.setenv("KAFKA_MAX_MESSAGE_BYTES", str(16 * MIB))
    assert producer_config(InfraSettings())["message.max.bytes"] == 16 * MIB


def test_an_inline_model_limit_that_fits_with_its_descriptor_is_accepted():
    check_model_fits_a_message(GatewaySettings(max_model_bytes=8 * MIB - DESCRIPTOR_ROOM_BYTES), 8 * MIB)


def test_the_gateway_refuses_to_start_with_a_model_limit_kafka_could_not_carry():
    with pytest.raises(ValueError, match="GATEWAY_MAX_MODEL_BYTES=8388608 leaves no room"):
        create_app(InfraSettings(kafka_max_message_bytes=8 * MIB), GatewaySettings(max_model_bytes=8 * MIB))


def test_local_ray_offers_eight_logical_cpus_a_core_unless_told(monkeypatch):
    monkeypatch.delenv("RAY_NUM_CPUS", raising=False)
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    assert InfraSettings().local_ray_cpus() == 16
    monkeypatch.setenv("RAY_NUM_CPUS", "5")
    assert InfraSettings().local_ray_cpus() == 5
