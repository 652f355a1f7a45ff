"""``python -m loadtest.profile``: where a running platform spends its CPU under load,
per process, with the top frames of each (the table in docs/performance.md).

    make up                                   # note the `[up]` process's PID
    python -m loadtest.profile --pid PID      # 16 closed-loop clients for 20 s

While ``python -m loadtest`` drives the gateway, CPU per answer is read from /proc over
one window with no profiler attached. Over a second window every Python service is
sampled by py-spy (``--gil``: only the thread holding the GIL, so a thread parked in
librdkafka or epoll is not counted as busy) and the broker by Java Flight Recorder
(``jcmd``, built into the JDK). Frames are "self" samples: the function that was
running, as a share of that process's samples.
"""
from __future__ import annotations

import argparse
import collections
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from loadtest.peers.procs import cpu_snapshot
from loadtest.peers.summary import classify_process

PYTHON_COMPONENTS = ("gateway", "rendezvous", "registry", "runner replicas (Ray actors)")


def python_frames(raw: Path, top: int) -> list[tuple[str, float]]:
    """py-spy's raw (collapsed) output -> [(function (file), share of samples)]."""
    counts, total = collections.Counter(), 0
    for line in raw.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        leaf = stack.split(";")[-1]
        name, _, where = leaf.partition(" (")
        counts[f"{name} ({where.split(':')[0].rsplit('/', 1)[-1]})" if where else name] += int(n)
        total += int(n)
    return [(frame, n / total) for frame, n in counts.most_common(top)] if total else []


def java_frames(recording: Path, top: int) -> list[tuple[str, float]]:
    """A JFR recording's execution samples -> [(method, share of samples)]."""
    text = subprocess.run(["jfr", "print", "--stack-depth", "1", "--events", "jdk.ExecutionSample",  # noqa: S603,S607 - the JDK's own tool, argv list
                           str(recording)], capture_output=True, text=True, timeout=120).stdout
    leaves = re.findall(r"stackTrace = \[\n\s*([^\n(]+)", text)
    counts = collections.Counter(leaf.strip() for leaf in leaves)
    return [(frame, n / len(leaves)) for frame, n in counts.most_common(top)] if leaves else []


def py_spy() -> str:
    """py-spy from this virtualenv (the `bench` extra), or from PATH."""
    beside = Path(sys.executable).with_name("py-spy")
    return str(beside) if beside.exists() else shutil.which("py-spy") or "py-spy"


def start_samplers(processes: dict[int, str], seconds: float, out: Path) -> list[subprocess.Popen]:
    samplers = []
    for pid, component in processes.items():
        if component in PYTHON_COMPONENTS:
            samplers.append(subprocess.Popen(  # noqa: S603 - argv list: py-spy on our own processes
                [py_spy(), "record", "--pid", str(pid), "--duration", str(int(seconds)),
                 "--rate", "100", "--gil", "--nonblocking", "--format", "raw", "-o", str(out / f"{pid}.txt")],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        elif component == "broker (Kafka)":
            subprocess.run(["jcmd", str(pid), "JFR.start", f"duration={int(seconds)}s", "settings=profile",  # noqa: S603,S607 - the JDK's own tool
                            f"filename={out / f'{pid}.jfr'}"], capture_output=True, timeout=60)
    return samplers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loadtest.profile", description=__doc__.split("\n\n")[0])
    parser.add_argument("--pid", type=int, required=True, help="PID of `make up` (`python -m stack up`)")
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--data-type", default="iris")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20.0, help="sampling time (the load runs 6 s longer)")
    parser.add_argument("--top", type=int, default=3, help="frames shown per process")
    parser.add_argument("--out", type=Path, help="keep the load's results and the raw profiles here")
    args = parser.parse_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="profile-"))
    out.mkdir(parents=True, exist_ok=True)
    # One load run: 3 s of ramp-up, a window measured with no profiler attached (the CPU
    # figures), then a window sampled by the profilers (the frames; they cost CPU themselves).
    load = subprocess.Popen([sys.executable, "-m", "loadtest", "--base-url", args.base_url,  # noqa: S603 - argv list
                             "--data-type", args.data_type, "--mode", "closed", "--concurrency", str(args.concurrency),
                             "--duration", str(2 * args.seconds + 6), "--quiet", "--no-fail", "--out", str(out / "load")])
    time.sleep(3)
    before = cpu_snapshot([args.pid])
    time.sleep(args.seconds)
    after = cpu_snapshot([args.pid])
    processes = {pid: classify_process(cmd) for pid, (cmd, _) in before.items()}
    for sampler in start_samplers(processes, args.seconds, out):
        sampler.wait(timeout=args.seconds + 60)
    load.wait(timeout=120)
    result = json.loads((out / "load" / "result.json").read_text())
    # Answers given in the measured window: the load's per-second counts over it.
    answers = sum(s["count"] for s in result["per_second"] if 3 <= s["second"] < 3 + args.seconds) or 1
    print(f"{answers / args.seconds:.0f} answers/s in the measured window; raw profiles in {out}")
    print("| process | CPU ms per answer | top frames (share of the process's samples) |\n|---|---:|---|")
    rows = []
    for pid, component in processes.items():
        used = after.get(pid, before[pid])[1] - before[pid][1]
        raw = out / f"{pid}.txt" if component in PYTHON_COMPONENTS else out / f"{pid}.jfr"
        frames = (python_frames if raw.suffix == ".txt" else java_frames)(raw, args.top) if raw.exists() else []
        rows.append((used * 1000 / answers, component, pid, frames))
    for ms, component, pid, frames in sorted(rows, reverse=True):
        if ms >= 0.005:
            shown = "; ".join(f"`{f}` {share:.0%}" for f, share in frames) or "(not sampled)"
            print(f"| {component} (pid {pid}) | {ms:.2f} | {shown} |")
    print(f"| **total** | **{sum(r[0] for r in rows):.2f}** | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
