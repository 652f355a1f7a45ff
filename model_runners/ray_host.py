"""The replicas on Ray: placing them by their resources, watching them become ready
and stay healthy, and stopping them (joining or starting Ray is ray_cluster.py's). Ray
is used to place, restart and spread replicas, never to carry a request."""
from __future__ import annotations

import logging
from dataclasses import dataclass

import ray
from ray._private import state as ray_state
from ray.exceptions import GetTimeoutError, RayActorError, RayTaskError
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

from common.descriptors import ModelDescriptor
from model_runners.adapter import RunnerReplica

log = logging.getLogger(__name__)


@dataclass
class ReplicaHandle:
    actor: object
    ready_ref: object
    index: int


def start_replica(descriptor: ModelDescriptor, descriptor_bytes: bytes, infra_env: dict, index: int) -> ReplicaHandle:
    actor_cls = ray.remote(RunnerReplica).options(
        num_cpus=descriptor.resources.num_cpus, num_gpus=descriptor.resources.num_gpus,
        # A killed replica comes back, reloads its model and rejoins its group.
        max_restarts=-1, name=f"runner:{descriptor.key}:{index}", get_if_exists=False,
        scheduling_strategy=spread_by_index(index))
    actor = actor_cls.remote(descriptor_bytes, infra_env, index)
    return ReplicaHandle(actor, actor.wait_assigned.remote(), index)


def spread_by_index(index: int):
    """Replica i goes to the i-th live node (in node-id order), so a model with as many
    replicas as nodes has one on each, and a node's loss leaves it served by the others.
    Soft: when that node is gone or full (a replica restarted after its node died), Ray
    places the replica on another one."""
    nodes = sorted(node["NodeID"] for node in ray.nodes() if node["Alive"])
    if len(nodes) < 2:
        return "DEFAULT"
    return NodeAffinitySchedulingStrategy(nodes[index % len(nodes)], soft=True)


def poll_ready(handle: ReplicaHandle) -> tuple[bool, str]:
    """(done, error): done once the replica has loaded and started, error if it failed."""
    ready, _ = ray.wait([handle.ready_ref], timeout=0)
    if not ready:
        return False, ""
    try:
        if not ray.get(handle.ready_ref):
            return True, "loaded, but got no partitions of its request topic within 60 s"
        return True, ""
    except (RayActorError, RayTaskError) as exc:
        cause = getattr(exc, "cause", None) or exc
        return True, str(getattr(cause, "message", None) or cause).strip().splitlines()[-1][:500]


# Health checks (model_runners/health.py) -------------------------------------------
def ping(handle: ReplicaHandle) -> object:
    """Ask a replica whether it still consumes; the answer is a ref to poll."""
    return handle.actor.ping.remote()


def ping_answer(ref) -> str | None:
    """None while a ping is unanswered; then "ok", "loop stopped" (the process serves
    calls, but its consume loop is gone) or "failed" (it died meanwhile)."""
    ready, _ = ray.wait([ref], timeout=0)
    if not ready:
        return None
    try:
        return "ok" if ray.get(ref) else "loop stopped"
    except (RayActorError, RayTaskError):
        return "failed"


def actor_state(handle: ReplicaHandle) -> tuple[str, int, int]:
    """(state, restarts so far, pid) from Ray's actor table: ALIVE, RESTARTING, DEAD, ...
    Read from the GCS directly (the public state API needs the dashboard, which the local
    Ray runs without); ("UNKNOWN", -1, 0) if Ray can't say."""
    try:
        info = ray_state.actors(actor_id=handle.actor._actor_id.hex())
    except Exception as exc:  # a private API: never let it take the supervisor down
        log.warning("no actor state for replica %d: %s", handle.index, exc)
        return "UNKNOWN", -1, 0
    return info.get("State", "UNKNOWN"), info.get("NumRestarts", -1), info.get("Pid", 0)


def kill_to_restart(handle: ReplicaHandle) -> None:
    """Kill a stuck replica's process; Ray starts it again (max_restarts=-1)."""
    ray.kill(handle.actor, no_restart=False)


def ask_metrics(handle: ReplicaHandle) -> object:
    """Ask a replica for its metrics (Prometheus's text); the answer is a ref to poll."""
    return handle.actor.metrics_text.remote()


def metrics_answers(asked: dict) -> dict:
    """{key: text} for each asked ref that has its answer now; None for a replica that died."""
    refs = list(asked.values())
    if not refs:
        return {}
    ready, _ = ray.wait(refs, num_returns=len(refs), timeout=0)
    done = set(ready)
    answers = {}
    for key, ref in asked.items():
        if ref in done:
            try:
                answers[key] = ray.get(ref)
            except (RayActorError, RayTaskError):
                answers[key] = None
    return answers


def stop_replica(handle: ReplicaHandle, timeout: float = 15.0) -> None:
    try:
        ray.get(handle.actor.stop.remote(), timeout=timeout)
    except (RayActorError, RayTaskError, GetTimeoutError) as exc:
        log.warning("replica %d did not stop cleanly: %s", handle.index, exc)
    ray.kill(handle.actor, no_restart=True)


# Replays (docs/decisions/006-replay.md) -------------------------------------------
def start_replay_scorer(descriptor: ModelDescriptor, descriptor_bytes: bytes, replay_id: str):
    """The candidate in an actor of its own, with its own resources; never restarted
    (a replay that loses it fails with the reason, and can be run again)."""
    from replay.scorer import CandidateScorer

    actor_cls = ray.remote(CandidateScorer).options(
        num_cpus=descriptor.resources.num_cpus, num_gpus=descriptor.resources.num_gpus, max_restarts=0,
        name=f"replay:{replay_id}", get_if_exists=False)
    return actor_cls.remote(descriptor_bytes)


def call_replay_scorer(actor, method: str, *args, timeout: float = 120.0):
    """Call the candidate's actor and wait; a load or scoring failure raises ReplayScorerError."""
    try:
        return ray.get(getattr(actor, method).remote(*args), timeout=timeout)
    except (RayActorError, RayTaskError, GetTimeoutError) as exc:
        cause = getattr(exc, "cause", None) or exc
        message = str(getattr(cause, "message", None) or cause).strip().splitlines() or [type(exc).__name__]
        raise ReplayScorerError(message[-1][:500]) from exc


def stop_replay_scorer(actor) -> None:
    try:
        ray.get(actor.stop.remote(), timeout=15)
    except (RayActorError, RayTaskError, GetTimeoutError):
        pass  # it failed to load or died: there is nothing to unload
    ray.kill(actor, no_restart=True)


class ReplayScorerError(Exception):
    """The candidate's actor failed to load, to score or to answer in time."""
