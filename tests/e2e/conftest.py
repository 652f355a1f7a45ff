"""The platform started the way `make up` starts it (`python -m stack up`), on the
embedded default, with only the gateway's port chosen by the test."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from stack import embedded

ROOT = Path(__file__).resolve().parents[2]
ADMIN_TOKEN, AUDIT_TOKEN = "e2e-token", "e2e-audit-token"


class Platform:
    def __init__(self, proc: subprocess.Popen, url: str, output: list[str], model_dir: Path):
        self.proc, self.url, self.output = proc, url, output
        self.model_dir = model_dir  # MODEL_DIR: the one directory file locations may name

    @property
    def pids(self) -> dict[str, int]:
        found = {}
        for line in self.output:
            m = re.match(r"\[up\] (\S+)\s.*pid (\d+)", line)
            if m:
                found[m.group(1)] = int(m.group(2))
        return found

    @property
    def bootstrap(self) -> str:
        found = (re.search(r"Apache Kafka \S+ on (127\.0\.0\.1:\d+)", line) for line in self.output)
        return next(m.group(1) for m in found if m)

    @property
    def redis_url(self) -> str:
        return next(re.search(r"on (redis://\S+)", l).group(1) for l in self.output if "redis (Valkey)" in l)

    @property
    def metrics_urls(self) -> dict[str, str]:
        """Each process's /metrics, as `stack up` printed them: {process name: URL}."""
        found = (re.match(r"\[up\] metrics: (\S+)\s+(http://\S+)", line) for line in self.output)
        return {m.group(1): m.group(2) for m in found if m}

    def log_of(self, service: str) -> Path:
        return next(Path(re.search(r"log (\S+)", l).group(1)) for l in self.output if l.startswith(f"[up] {service} "))


def _read_until_ready(proc, output: list[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError("`stack up` exited:\n" + "".join(output))
        output.append(line)
        if "READY" in line:
            return
    raise TimeoutError("`stack up` not ready in time:\n" + "".join(output))


@pytest.fixture(scope="session")
def platform(tmp_path_factory):
    env = {k: v for k, v in os.environ.items() if k not in ("KAFKA_BOOTSTRAP", "REDIS_URL", "RAY_ADDRESS")}
    port = embedded.free_port()
    run_dir = tmp_path_factory.mktemp("run")
    model_dir = tmp_path_factory.mktemp("models")
    env.update(GATEWAY_PORT=str(port), ADMIN_TOKEN=ADMIN_TOKEN, AUDIT_TOKEN=AUDIT_TOKEN, MODEL_DIR=str(model_dir),
               PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "stack", "up", "--run-dir", str(run_dir)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output: list[str] = []
    try:
        _read_until_ready(proc, output, timeout=240)
    except Exception:
        proc.kill()
        raise
    # Keep reading after READY: a full pipe would block `stack up` when it logs a restart.
    threading.Thread(target=lambda: output.extend(iter(proc.stdout.readline, "")), daemon=True).start()
    platform = Platform(proc, f"http://127.0.0.1:{port}", output, model_dir)
    yield platform
    # The shutdown check runs here, when the last e2e test is done with the platform: a
    # fixture's teardown is last by construction, whatever the test files are called.
    check_sigterm_stops_every_process(platform)


def check_sigterm_stops_every_process(platform: Platform) -> None:
    """SIGTERM to `stack up` stops every process it started (and Ray's, in the
    supervisor's process group), and it exits 0."""
    pids = platform.pids
    assert {"broker", "redis", "registry", "rendezvous", "model_runners", "gateway"} <= set(pids)
    if platform.proc.poll() is not None:
        raise AssertionError(f"`stack up` exited before the shutdown check, with {platform.proc.returncode}")
    platform.proc.send_signal(signal.SIGTERM)
    try:
        assert platform.proc.wait(90) == 0
    except subprocess.TimeoutExpired:
        platform.proc.kill()
        raise
    assert [name for name, pid in pids.items() if _alive(pid)] == []
    leftover = subprocess.run(["pgrep", "-g", str(pids["model_runners"])], capture_output=True, text=True).stdout
    assert leftover.strip() == ""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split()[2] != "Z"


@pytest.fixture(scope="session")
def admin(platform):
    """An HTTP client for the admin API, with the platform's token."""
    import httpx

    with httpx.Client(base_url=platform.url, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=30) as client:
        yield client


@pytest.fixture(scope="session")
def auditor(platform):
    """An HTTP client for the audit and stats reads, with the read-only audit token."""
    import httpx

    with httpx.Client(base_url=platform.url, headers={"Authorization": f"Bearer {AUDIT_TOKEN}"}, timeout=30) as client:
        yield client


def wait_for_status(client, name: str, version: str, wanted: set[str], timeout: float = 120.0) -> dict:
    """Poll the registry until name:version has one of the wanted statuses."""
    deadline = time.monotonic() + timeout
    seen = None
    while time.monotonic() < deadline:
        response = client.get(f"/v1/models/{name}")
        if response.status_code == 200:
            seen = next((v for v in response.json()["versions"] if v["version"] == version), None)
            if seen and seen.get("status") in wanted:
                return seen
        time.sleep(0.25)
    raise AssertionError(f"{name}:{version} never reached {wanted}; last seen {seen}")


@pytest.fixture(scope="module")
def retire_afterwards(admin):
    """Models a test module publishes are retired when it ends: every live version is a
    Ray actor with a consumer, and the shared 2-core machine runs the later modules too."""
    published: list[tuple[str, str]] = []
    yield published
    for name, version in published:
        admin.post(f"/v1/models/{name}/versions/{version}/role", json={"role": "retired"})


# One platform serves every e2e module, so order matters: the latency-sensitive checks
# run on a fresh platform, the modules that load many models (TensorFlow included) after
# them, and the fuzzer last, so that nothing it writes is in anyone's way. The shutdown
# check is the platform fixture's teardown, after all of them.
MODULE_ORDER = ("test_platform", "test_audit", "test_metrics", "test_console", "test_oip_triton", "test_oip_schema",
                "test_rendezvous_failover", "test_models", "test_model_formats", "test_replay", "test_security",
                "test_fuzz")


def pytest_collection_modifyitems(items):
    e2e = Path(__file__).parent

    def rank(item):  # the hook sees every test of the session: others keep their place, first
        path = Path(str(item.fspath))
        if path.parent != e2e:
            return 0, 0
        return 1, MODULE_ORDER.index(path.stem) if path.stem in MODULE_ORDER else len(MODULE_ORDER)
    items.sort(key=rank)  # stable: tests keep their order within a module
