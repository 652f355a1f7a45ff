"""The platform's security checks, end to end: audit and stats reads need a token
(AUDIT_TOKEN or the admin token) and the audit token opens no write; a file location
is read only from under MODEL_DIR; tokens reach only the gateway and appear in no log;
nothing the platform starts listens beyond loopback, and its Ray asks for its own token."""
from __future__ import annotations

import functools
import ipaddress
import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import psutil
import pytest

from conftest import ADMIN_TOKEN, AUDIT_TOKEN, wait_for_status
from stack import demo

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]
READS = ["/v1/audit/any-request", "/v1/audit?record_id=flower-1", f"/v1/models/{demo.CHAMPION}/stats",
         "/v1/data-types/iris/stats"]


@functools.cache
def logreg_onnx() -> bytes:
    _, (logreg, _) = demo.train()
    return demo.to_onnx(logreg, 4)


def publish_by_location(admin, name: str, location: str) -> httpx.Response:
    descriptor = {"name": name, "version": "1", "data_type": "located", "format": "onnx", "location": location,
                  "input_schema": [{"name": f} for f in demo.FEATURES]}
    return admin.post("/v1/models", data={"descriptor": json.dumps(descriptor)})


@pytest.mark.parametrize("path", READS)
def test_audit_and_stats_reads_need_a_token(platform, path):
    assert httpx.get(f"{platform.url}{path}").status_code == 401
    wrong = httpx.get(f"{platform.url}{path}", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 403 and wrong.json() == {"error": "audit API: wrong token"}
    for token in (AUDIT_TOKEN, ADMIN_TOKEN):
        answer = httpx.get(f"{platform.url}{path}", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code in (200, 404), (token, answer.text)  # 404: nothing recorded under that id


def test_the_audit_token_opens_no_write(auditor):
    role = auditor.post(f"/v1/models/{demo.CHAMPION}/versions/1/role", json={"role": "retired"})
    assert role.status_code == 403
    assert auditor.put("/v1/data-types/iris/policy", json={"policy": "first"}).status_code == 403


def test_a_model_under_model_dir_loads_by_location(platform, admin, retire_afterwards):
    (platform.model_dir / "located.onnx").write_bytes(logreg_onnx())
    response = publish_by_location(admin, "located", str(platform.model_dir / "located.onnx"))
    assert response.status_code == 202, response.text
    retire_afterwards.append(("located", "1"))
    wait_for_status(admin, "located", "1", {"ready"})


def test_a_location_outside_model_dir_fails_with_the_reason(platform, admin, retire_afterwards):
    outside = platform.model_dir.parent / "outside.onnx"
    outside.write_bytes(logreg_onnx())  # a good model: only the MODEL_DIR check can stop it
    response = publish_by_location(admin, "escaper", f"{platform.model_dir}/../outside.onnx")
    assert response.status_code == 202, response.text
    retire_afterwards.append(("escaper", "1"))
    failed = wait_for_status(admin, "escaper", "1", {"failed"})
    assert "outside MODEL_DIR" in failed["reason"], failed


def test_tokens_reach_only_the_gateway(platform):
    pids = platform.pids
    for service in ("registry", "rendezvous", "model_runners", "gateway"):
        environ = Path(f"/proc/{pids[service]}/environ").read_bytes().split(b"\0")
        names = {entry.partition(b"=")[0] for entry in environ}
        has_tokens = {b"ADMIN_TOKEN", b"AUDIT_TOKEN"} <= names
        assert has_tokens == (service == "gateway"), service


def test_no_token_appears_in_any_log_or_in_the_start_up_output(platform):
    logs = platform.log_of("gateway").parent
    for log in logs.glob("*.log"):
        text = log.read_text(errors="replace")
        assert ADMIN_TOKEN not in text and AUDIT_TOKEN not in text, log
    output = "".join(platform.output)  # set by the test, so `make up` has nothing to print
    assert ADMIN_TOKEN not in output and AUDIT_TOKEN not in output


# Listening sockets ------------------------------------------------------------------
LOOPBACK = {ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1")}


def on_loopback(ip: str) -> bool:
    """127.0.0.1 or ::1. gRPC (Ray's servers) binds 127.0.0.1 through an IPv6 socket,
    which the kernel reports as the IPv4-mapped ::ffff:127.0.0.1: loopback all the same."""
    address = ipaddress.ip_address(ip.split("%")[0])
    return (getattr(address, "ipv4_mapped", None) or address) in LOOPBACK


def platform_processes(platform) -> dict[int, psutil.Process]:
    """`stack up`, everything under it, and everything in the process group each service
    leads: Ray's daemons and replicas are in the supervisor's, re-parented or not."""
    root = psutil.Process(platform.proc.pid)
    found = {p.pid: p for p in (root, *root.children(recursive=True))}
    groups = {pid for pid in platform.pids.values() if os.getpgid(pid) == pid}
    for process in psutil.process_iter():
        try:
            if os.getpgid(process.pid) in groups:
                found[process.pid] = process
        except (ProcessLookupError, psutil.Error):
            continue  # gone since it was listed
    return found


def listening(processes: dict[int, psutil.Process]) -> list[tuple[int, str, str, int]]:
    """(pid, process name, address, port) of every listening TCP socket of the processes."""
    sockets = []
    for pid, process in processes.items():
        try:
            name = process.name()
            sockets += [(pid, name, c.laddr.ip, c.laddr.port) for c in process.net_connections(kind="inet")
                        if c.status == psutil.CONN_LISTEN]
        except psutil.NoSuchProcess:
            continue  # a Ray worker that finished meanwhile
    return sockets


def test_nothing_the_platform_starts_listens_beyond_loopback(platform):
    processes = platform_processes(platform)
    sockets = listening(processes)
    names = {p.name() for p in processes.values() if p.is_running()}
    # The list holds every part: a check that missed Ray's processes would prove nothing.
    assert {"gcs_server", "raylet", "java"} <= names, names
    assert any(n.startswith("ray::RunnerRepl") for n in names), names
    assert any(n.startswith(("valkey", "redis")) for n in names), names
    ports = {port for *_, port in sockets}
    assert {int(platform.url.rsplit(":", 1)[1]), int(platform.bootstrap.rsplit(":", 1)[1]),
            int(platform.redis_url.rsplit(":", 1)[1].split("/")[0])} <= ports, sockets
    assert {"gcs_server", "raylet"} <= {name for _, name, *_ in sockets}, sockets
    wide = [s for s in sockets if not on_loopback(s[2])]
    assert wide == [], f"listening beyond loopback (pid, process, address, port): {wide}"


def ray_driver(gcs_port: int, env: dict) -> subprocess.CompletedProcess:
    """A driver that tries to join the platform's Ray, as anyone on the host could."""
    code = f"import ray; ray.init(address='127.0.0.1:{gcs_port}'); print('JOINED', ray.cluster_resources())"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=150)


@pytest.mark.timeout(400)
def test_the_local_ray_asks_for_a_token_of_its_own(platform):
    gcs = next(s for s in listening(platform_processes(platform)) if s[1] == "gcs_server")
    # Ray's processes were started with it: the supervisor's /proc environ predates it.
    environ = Path(f"/proc/{gcs[0]}/environ").read_bytes().split(b"\0")
    token = next(e.partition(b"=")[2].decode() for e in environ if e.startswith(b"RAY_AUTH_TOKEN="))
    assert len(token) == 64
    plain = {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}
    plain["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"  # a driver on this host finds the node at 127.0.0.1
    # A driver that joins must say RAY_AUTH_MODE=token as well as give the token.
    for env in ({**plain, "RAY_AUTH_MODE": "disabled"}, {**plain, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": "0" * 64}):
        refused = ray_driver(gcs[3], env)
        assert "JOINED" not in refused.stdout and "InvalidAuthToken" in refused.stderr, refused.stderr[-2000:]
    joined = ray_driver(gcs[3], {**plain, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": token})
    assert "JOINED" in joined.stdout, joined.stderr[-2000:]
