"""The registry's read model on a real Redis: a rebuild is a new generation that
readers see only once it is published, so they never find an empty registry."""
import pytest
import redis

from common.descriptors import DataTypePolicy, ModelDescriptor, ModelState, ModelStatus
from common.domain import Role
from registry import keys
from registry.client import RegistryClient, data_types
from registry.store import OLD_GENERATION_TTL_S, RegistryStore

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
def client(redis_url):
    connection = redis.Redis.from_url(redis_url)
    connection.delete(keys.CURRENT)  # each test starts with no registry built
    yield connection
    connection.close()


def model(name, version="1", role=Role.SERVE):
    return ModelDescriptor(name, version, "iris", "onnx", role, inline_bytes=b"x", created_at_us=1)


def build(client, *descriptors, ready=()):
    store = RegistryStore(client)
    for d in descriptors:
        store.apply_descriptor(d, raw=d.key.encode())
    for d in ready:
        store.apply_status(ModelStatus(d.ref, d.data_type, ModelState.READY, replicas_ready=1))
    return store


def test_nothing_is_visible_before_the_first_build_is_published(client):
    reader = RegistryClient(client)
    build(client, model("forest"))
    assert reader.models() == [] and reader.policy("iris") is None and reader.descriptor_bytes("forest", "1") is None


def test_readers_keep_the_old_generation_until_the_new_one_is_complete(client):
    reader = RegistryClient(client)
    first = build(client, model("forest"), ready=[model("forest")])
    first.apply_policy(DataTypePolicy("iris", "first", {"deadline_ms": "100"}, 1))
    first.publish()
    assert [m["name"] for m in reader.models()] == ["forest"] and data_types(reader.models()) == {"iris": True}

    rebuild = build(client, model("forest"))  # a restarted registry, halfway through its replay
    assert data_types(reader.models()) == {"iris": True}, "a reader saw the half-built generation"
    assert reader.policy("iris")["policy"] == "first" and reader.descriptor_bytes("forest", "1") == b"forest:1"

    rebuild.apply_descriptor(model("logreg"), raw=b"logreg:1")
    rebuild.apply_status(ModelStatus(model("forest").ref, "iris", ModelState.READY))
    rebuild.publish()
    assert [m["name"] for m in reader.models()] == ["forest", "logreg"]
    assert [e["event"] for e in reader.history("forest")] == ["published", "status ready"]
    assert reader.policy("iris") is None  # the rebuild's replay had no policy record
    old_keys = list(client.scan_iter(match=f"{keys.generation(first.generation)}*"))
    assert old_keys and all(0 < client.ttl(k) <= OLD_GENERATION_TTL_S for k in old_keys)
    assert all(client.ttl(k) == -1 for k in client.scan_iter(match=f"{keys.generation(rebuild.generation)}*"))


def test_a_late_status_never_revives_a_retired_version(client):
    store = build(client, model("forest"), model("forest", role=Role.RETIRED))
    store.apply_status(ModelStatus(model("forest").ref, "iris", ModelState.READY))
    store.publish()
    [forest] = RegistryClient(client).models()
    assert forest["status"] == "retired" and data_types([forest]) == {}
