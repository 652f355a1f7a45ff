"""`stack up --ray-worker-nodes N`: a Ray cluster of this platform's own on this machine,
a head and N worker nodes, so that a node can be lost while the runner replicas on the
others keep serving.

Each node is one `ray start --block` in a session of its own: its Ray processes (GCS,
raylet, agents, workers) are its children, so the node is stopped by its PID and
process group, never by `ray stop` (which stops every Ray of this user on the machine).
Every node has ports of its own and its own temp dir, so it never joins or touches
another Ray on the machine. Ray's command line will not keep a node on loopback (it
replaces 127.0.0.1 by the host's address: ray._private.services.resolve_ip_for_localhost),
so the cluster has Ray's token auth on, with a token of this platform's own in a file
under the run dir (RAY_AUTH_TOKEN_PATH), never the user's ~/.ray/auth_token, which other
Rays of the machine may share. The supervisor joins the head through RAY_ADDRESS with
the same token. A lost worker node is not started again: it stands for a machine that is
gone, and its replicas are placed again on the nodes that are left."""
from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from stack.embedded import free_port

# Ray's session dir holds its unix sockets, whose paths may not pass 107 bytes:
# <temp dir>/session_<date>_<time>_<pid>/sockets/plasma_store adds about 65.
LONGEST_TEMP_DIR = 40
# How soon the head declares a silent node dead (Ray's default: 5 missed checks 3 s
# apart). On loopback a missed check means a dead raylet, not a slow network.
HEAD_HEALTH_CHECKS = {"RAY_health_check_period_ms": "1000", "RAY_health_check_failure_threshold": "3"}


@dataclass(frozen=True)
class RayNode:
    name: str  # "ray-head", "ray-worker-1": the name `stack up` prints
    command: tuple[str, ...]
    log: Path
    temp_dir: Path


def ray_cli() -> tuple[str, ...]:
    """The `ray` command of this interpreter's Ray, never another one on PATH (and not
    the venv's `ray` script either, whose first line may name another interpreter)."""
    return (sys.executable, "-m", "ray.scripts.scripts")


def auth_env(run_dir: Path) -> dict[str, str]:
    """What every node and every driver of this cluster needs to be let in: token mode
    and the path of the platform's own token, written once, readable by its owner only."""
    path = run_dir.resolve() / "ray-auth-token"
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_hex(32))
    return {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN_PATH": str(path)}


def temp_dir_for(run_dir: Path, name: str) -> Path:
    """A temp dir under the run dir, or under the system's temp folder when that path
    is too long for the unix sockets Ray puts in it."""
    wanted = run_dir.resolve() / name
    if len(str(wanted)) <= LONGEST_TEMP_DIR:
        wanted.mkdir(parents=True, exist_ok=True)
        return wanted
    return Path(tempfile.mkdtemp(prefix=f"rvs-{name}-"))


def node_options(name: str, num_cpus: int) -> list[str]:
    """What every node of this platform shares: loopback, no dashboard, no usage
    reports, and a resource naming the node (a replica's node can be told apart)."""
    return ["--block", f"--num-cpus={num_cpus}", "--disable-usage-stats",
            f"--resources={json.dumps({name: 1})}"]


def head(run_dir: Path, logs: Path, num_cpus: int) -> tuple[RayNode, str]:
    """The head node and the address (host:GCS port) others join it by."""
    port = free_port()
    temp = temp_dir_for(run_dir, "ray-head")
    command = (*ray_cli(), "start", "--head", f"--port={port}", f"--temp-dir={temp}", "--include-dashboard=false",
               *node_options("ray-head", num_cpus))
    return RayNode("ray-head", command, logs / "ray-head.log", temp), f"127.0.0.1:{port}"


def worker(run_dir: Path, logs: Path, address: str, index: int, num_cpus: int) -> RayNode:
    name = f"ray-worker-{index}"
    temp = temp_dir_for(run_dir, name)
    command = (*ray_cli(), "start", f"--address={address}", f"--temp-dir={temp}", *node_options(name, num_cpus))
    return RayNode(name, command, logs / f"{name}.log", temp)


def start(node: RayNode, auth: dict[str, str], timeout: float = 120.0) -> subprocess.Popen:
    """Start one node in a session of its own, and return once Ray says it runs."""
    env = {**os.environ, **HEAD_HEALTH_CHECKS, **auth, "RAY_worker_niceness": "0"}  # replicas are latency-critical
    env.pop("RAY_ADDRESS", None)
    with open(node.log, "ab") as log:
        proc = subprocess.Popen(list(node.command), env=env, stdout=log, stderr=subprocess.STDOUT,  # noqa: S603 - argv list, no shell: this environment's ray, fixed options, our own paths
                                stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_until_started(node, proc, timeout)
    except Exception:
        proc.kill()
        proc.wait(10)
        raise
    return proc


def wait_until_started(node: RayNode, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{node.name} exited with {proc.returncode}; see {node.log}")
        if b"Ray runtime started" in node.log.read_bytes():
            return
        time.sleep(0.25)
    raise TimeoutError(f"{node.name} did not start within {timeout:.0f} s; see {node.log}")


def raylet_pid(node_pid: int) -> int:
    """The raylet of the node whose `ray start` is `node_pid`: found among that
    process's own children, never by name across the machine."""
    import psutil

    for child in psutil.Process(node_pid).children(recursive=True):
        if child.name() == "raylet":
            return child.pid
    raise LookupError(f"no raylet under pid {node_pid}")


def start_cluster(run_dir: Path, logs: Path, head_group, workers_group, workers: int, num_cpus: int,
                  say=print) -> dict[str, str]:
    """Start the head (in `head_group`: the platform stops if it dies, as Ray cannot run
    without its GCS) and `workers` worker nodes (in `workers_group`, which nothing
    restarts). Returns what a driver's environment needs to join."""
    auth = auth_env(run_dir)
    node, address = head(run_dir, logs, num_cpus)
    head_group.adopt(node.name, start(node, auth))
    say(f"{node.name:<14} pid {head_group.pid(node.name):<7} log {node.log} (Ray head on {address}, "
        f"temp dir {node.temp_dir}, token auth)")
    for index in range(1, workers + 1):
        node = worker(run_dir, logs, address, index, num_cpus)
        workers_group.adopt(node.name, start(node, auth))
        say(f"{node.name:<14} pid {workers_group.pid(node.name):<7} log {node.log} (Ray worker node, "
            f"temp dir {node.temp_dir})")
    return {"RAY_ADDRESS": address, **auth}
