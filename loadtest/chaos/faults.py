"""The faults of one machine's platform, each by PID of a process `stack up` started.
The cluster faults (a Ray worker node, a broker of three) live in cluster_faults.py
and join the matrix through all_faults()."""
from __future__ import annotations

import os
import signal
import time

from loadtest.chaos import procs
from loadtest.chaos.cluster_faults import CLUSTER_FAULTS
from loadtest.chaos.fault import Fault, Platform
from loadtest.chaos.survival import audit_and_claims_survived

REPLICA_CLASS = "RunnerReplica"  # model_runners.adapter's actor class
SESSION_TIMEOUT_S = 6.0  # group.consumer.session.timeout.ms in stack/kafka/broker.properties
REPLICAS_BACK_S = 90.0


def kill_process(name: str):
    def inject(platform: Platform) -> None:
        pid = platform.pid_of(name)
        platform.memo["killed"] = pid
        platform.say(f"kill -9 {name} (pid {pid})")
        os.kill(pid, signal.SIGKILL)
    return inject


def kill_one_replica(platform: Platform) -> None:
    supervisor = platform.pid_of("model_runners")
    replicas = procs.ray_actor_pids(supervisor, REPLICA_CLASS)
    if not replicas:
        raise RuntimeError(f"no {REPLICA_CLASS} process in the runner supervisor's session {supervisor}")
    platform.memo.update(replicas_before=len(replicas), killed=replicas[0])
    platform.say(f"kill -9 runner replica pid {replicas[0]} (of {len(replicas)})")
    os.kill(replicas[0], signal.SIGKILL)


def replicas_came_back(platform: Platform, entries: list[dict], injected_at: float) -> dict:
    """As many replica processes as before, in the supervisor's session, the killed one gone."""
    wanted = platform.memo["replicas_before"]
    deadline = time.monotonic() + REPLICAS_BACK_S
    while True:
        now = procs.ray_actor_pids(platform.pid_of("model_runners"), REPLICA_CLASS)
        if len(now) >= wanted and platform.memo["killed"] not in now or time.monotonic() > deadline:
            break
        time.sleep(1)
    problems = [] if len(now) == wanted else [f"{len(now)} replica processes after the fault, {wanted} before"]
    return {"replicas_before": wanted, "replicas_after": len(now), "problems": problems}


def kill_supervisor(platform: Platform) -> None:
    pid = platform.pid_of("model_runners")
    platform.memo.update(old_session=pid, replicas_before=len(procs.ray_actor_pids(pid, REPLICA_CLASS)), killed=pid)
    platform.say(f"kill -9 runner supervisor (pid {pid}; its local Ray runs in its session)")
    os.kill(pid, signal.SIGKILL)


def supervisor_left_nothing(platform: Platform, entries: list[dict], injected_at: float) -> dict:
    """Nothing of the old supervisor's Ray is left (no leaked replica still consuming),
    and the new supervisor runs as many replicas as the old one did."""
    came_back = replicas_came_back(platform, entries, injected_at)
    leftovers = procs.pids_in_session(platform.memo["old_session"])
    if leftovers:
        came_back["problems"].append(f"{len(leftovers)} processes of the killed supervisor's session still run: "
                                     + ", ".join(procs.command_line(p)[:60] for p in leftovers[:5]))
    return {**came_back, "leftover_processes": len(leftovers)}


def pause_rendezvous(platform: Platform) -> None:
    pid = platform.pid_of("rendezvous-2")
    platform.memo["paused"] = pid
    platform.say(f"SIGSTOP rendezvous-2 (pid {pid}) for longer than the {SESSION_TIMEOUT_S:g} s session timeout")
    os.kill(pid, signal.SIGSTOP)


def resume_rendezvous(platform: Platform) -> None:
    platform.say(f"SIGCONT rendezvous-2 (pid {platform.memo['paused']}): a zombie must not answer again")
    os.kill(platform.memo["paused"], signal.SIGCONT)


TWO_RENDEZVOUS = ("--rendezvous", "2")
FAULTS = [
    Fault("kill -9 of one runner replica", kill_one_replica, verify=replicas_came_back,
          notes=["Ray restarts the actor (max_restarts=-1); the supervisor's health check sees it die"]),
    Fault("kill -9 of the runner supervisor", kill_supervisor, verify=supervisor_left_nothing, load_after_s=90,
          notes=["`stack up` kills what is left of its process group (its local Ray) and restarts it; a new "
                 "local Ray and the models' reload take tens of seconds, so the load goes on 90 s after"]),
    Fault("kill -9 of one of two rendezvous", kill_process("rendezvous"), up_args=TWO_RENDEZVOUS),
    Fault("SIGSTOP of one of two rendezvous, then SIGCONT", pause_rendezvous, heal=resume_rendezvous,
          up_args=TWO_RENDEZVOUS, settle_s=2 * SESSION_TIMEOUT_S),
    Fault("kill -9 of the gateway", kill_process("gateway"),
          notes=["clients of the killed gateway see refused or cut connections: counted as rejected"]),
    Fault("kill -9 of the registry", kill_process("registry")),
    Fault("kill -9 of Redis, restarted by stack up", kill_process("redis"), cheap=True,
          verify=audit_and_claims_survived),
]


def all_faults() -> list[Fault]:
    return [*FAULTS, *CLUSTER_FAULTS]


def slug(fault: Fault) -> str:
    """A name for --faults and directories: the fault's name, lower-case, dashed."""
    return "-".join("".join(c if c.isalnum() else " " for c in fault.name.lower()).split())
