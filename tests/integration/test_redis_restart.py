"""kill -9 of the embedded Redis and its restart on the same port and directory, as
`stack up` does it (docs/decisions/017-redis-restart.md): with the append-only file,
claims survive, so a replayed request is not answered a second time, and the
registry's read model survives; without it, the registry sees that its state is gone."""
import signal

import pytest
import redis

from common.descriptors import ModelDescriptor
from common.domain import Role
from registry.client import RegistryClient
from registry.store import RegistryStore
from rendezvous.claims import Claims
from stack import embedded

pytestmark = pytest.mark.timeout(60)


class Server:
    """A Valkey server this test starts, kills with SIGKILL and starts again, by PID."""

    def __init__(self, workdir, persist: bool):
        self.port = embedded.free_port()
        self._command = embedded.redis_command(self.port, str(workdir / "data"), persist=persist)
        self._log = str(workdir / "redis.log")
        self.proc = embedded.start(self._command, self.port, self._log)

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(f"redis://127.0.0.1:{self.port}/0")

    def kill_and_restart(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self.proc = embedded.start(self._command, self.port, self._log)

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait(10)


@pytest.fixture
def persistent(tmp_path):
    server = Server(tmp_path, persist=True)
    yield server
    server.stop()


def test_claims_and_the_registry_survive_kill_9(persistent):
    before = persistent.client()
    claims = Claims(before)
    assert claims.claim([("answered", b"first"), ("unconfirmed", b"stored")]) == [
        ("answered", b"first"), ("unconfirmed", b"stored")]
    claims.confirm(["answered"])
    store = RegistryStore(before)
    store.apply_descriptor(ModelDescriptor("forest", "1", "iris", "onnx", Role.SERVE, inline_bytes=b"x",
                                           created_at_us=1), raw=b"raw")
    store.publish()
    before.close()

    persistent.kill_and_restart()

    after = persistent.client()
    try:
        replayed = Claims(after).claim([("answered", b"a second answer"), ("unconfirmed", b"a second answer")])
        # The published one is not sent again; the unconfirmed one is sent as first claimed.
        assert replayed == [("unconfirmed", b"stored")]
        assert [m["name"] for m in RegistryClient(after).models()] == ["forest"]
        assert not store.lost()
    finally:
        after.close()


def test_the_registry_sees_a_redis_that_came_back_empty(tmp_path):
    server = Server(tmp_path, persist=False)
    try:
        client = server.client()
        store = RegistryStore(client)
        store.publish()
        assert not store.lost()
        server.kill_and_restart()
        assert store.lost()
    finally:
        server.stop()


def test_a_registry_does_not_call_redis_away_a_loss(tmp_path):
    server = Server(tmp_path, persist=True)
    client = server.client()
    store = RegistryStore(client)
    store.publish()
    server.stop()
    assert not store.lost()
