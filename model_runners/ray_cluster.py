"""The Ray this process runs on: joining a cluster, or starting a local one that
listens on loopback only with a token of its own (decision 021), and what it lacks to
host a model. Placing and watching replicas is ray_host.py's."""
from __future__ import annotations

import os
import secrets

import ray
from ray._private import ray_constants

from common.descriptors import ModelDescriptor

NAMESPACE = "rendezvous-serving"
LOOPBACK = "127.0.0.1"


def connect(address: str, num_cpus: int | None = None) -> None:
    """Join the cluster at `address`, or start a local Ray owned by this process."""
    if ray.is_initialized():
        return
    # Ray starts workers at nice 15 by default; a runner replica is a latency-critical
    # Kafka consumer, and at nice 15 it waits behind everything else on a busy host.
    # (On a cluster, set RAY_worker_niceness=0 where the nodes are started.)
    os.environ.setdefault("RAY_worker_niceness", "0")
    if address:
        ray.init(address=address, namespace=NAMESPACE, log_to_driver=True)
        return
    # address="local" always starts a fresh instance: a bare ray.init() would join any
    # Ray already running on this machine, someone else's included.
    keep_local_ray_on_loopback()
    ray.init(address="local", num_cpus=num_cpus, namespace=NAMESPACE, include_dashboard=False,
             log_to_driver=True)
    node_address = ray.util.get_node_ip_address()
    if node_address != LOOPBACK:
        ray.shutdown()
        raise RuntimeError(f"the local Ray took {node_address} as its address, not {LOOPBACK}: its servers "
                           "would listen on every interface (docs/decisions/021-ray-on-loopback.md)")


def keep_local_ray_on_loopback() -> None:
    """Make the local Ray listen on 127.0.0.1 only, and ask for a token of its own.

    Ray's servers (GCS, raylet, each worker's gRPC server, the agents) bind 127.0.0.1 when
    the node's address is 127.0.0.1, and every interface otherwise; and ray.init() turns
    `_node_ip_address="127.0.0.1"` into the host's address (`resolve_ip_for_localhost`).
    The one switch that keeps 127.0.0.1 is the one Ray uses on macOS and Windows: with
    RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0 the node's address is loopback. Ray reads it when
    it is imported, so it is set for Ray's own processes (they inherit this environment)
    and in this process's copy of the constant. Decision 021 has the measurements."""
    os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
    ray_constants.ENABLE_RAY_CLUSTER = False
    # Loopback is shared by every user of the host, so Ray's token auth stays on (ray.init()
    # turns it on for a new local Ray unless RAY_AUTH_MODE says otherwise), with a token made
    # for this run and held in memory, rather than the ~/.ray/auth_token file that ray.init()
    # would write with the umask's permissions and share with every Ray of the user. An
    # operator's RAY_AUTH_TOKEN or RAY_AUTH_TOKEN_PATH wins.
    operators_own = {"RAY_AUTH_TOKEN", "RAY_AUTH_TOKEN_PATH"} & set(os.environ)
    if os.environ.get("RAY_AUTH_MODE", "token") == "token" and not operators_own:
        os.environ["RAY_AUTH_TOKEN"] = secrets.token_hex(32)


def shutdown() -> None:
    if ray.is_initialized():
        ray.shutdown()


def what_the_cluster_lacks(descriptor: ModelDescriptor) -> str:
    """What the cluster lacks to host this model now (a sentence), or "" when it lacks nothing."""
    resources = ray.cluster_resources()
    wanted = descriptor.resources
    if wanted.num_gpus > resources.get("GPU", 0):
        return f"needs {wanted.num_gpus:g} GPU per replica; the cluster has {resources.get('GPU', 0):g}"
    if wanted.num_cpus > resources.get("CPU", 0):
        return f"needs {wanted.num_cpus:g} CPU per replica; the cluster has {resources.get('CPU', 0):g}"
    return ""
