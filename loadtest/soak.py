"""``python -m loadtest.soak``: back-to-back runs on one running platform, with the CPU
each of its components spent per answer, so that a slowdown as the platform works
(run 3 slower than run 1) shows at once.

    make up                                  # in one terminal; note the `[up]` process's PID
    python -m loadtest.soak --pid PID        # idle CPU, then 3 x 30 s of 16 closed-loop clients

It first samples the idle CPU of every process under PID (the broker, Redis, Ray and
the services), then runs ``python -m loadtest`` for each run with its ledger check,
and prints one row per run: answers/s, official share, p50/p99, and CPU per answer
by component. ``--out`` keeps each run's results.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from loadtest.peers.procs import cpu_snapshot
from loadtest.peers.summary import cpu_by_component


def idle_cores(pid: int, seconds: float) -> dict[str, float]:
    before = cpu_snapshot([pid])
    time.sleep(seconds)
    return {k: v / seconds for k, v in cpu_by_component(before, cpu_snapshot([pid])).items()}


def one_run(pid: int, load_args: list[str], out: Path) -> dict:
    before = cpu_snapshot([pid])
    code = subprocess.run([sys.executable, "-m", "loadtest", "--quiet", "--out", str(out), *load_args]).returncode  # noqa: S603 - argv list, no shell: the operator's own arguments
    used = cpu_by_component(before, cpu_snapshot([pid]))
    result = json.loads((out / "result.json").read_text())
    answered = result["totals"]["completed"]
    return {"result": result, "ledger_ok": code == 0,
            "cpu_ms_per_answer": {k: v * 1000 / answered for k, v in sorted(used.items(), key=lambda kv: -kv[1])}
            if answered else {}}


def row(n: int, run: dict) -> str:
    r, cpu = run["result"], run["cpu_ms_per_answer"]
    rate, official = r["throughput"]["completed_per_s"], r["throughput"]["ok_per_s"]
    parts = ", ".join(f"{k} {v:.2f}" for k, v in cpu.items())
    return (f"run {n}: {rate:.0f} answers/s, official {official / max(rate, 1e-9):.1%}, "
            f"p50 {r['latency_ms']['p50']:.1f} ms, p99 {r['latency_ms']['p99']:.1f} ms, ledger "
            f"{'PASS' if run['ledger_ok'] else 'FAIL'}; CPU ms per answer: total {sum(cpu.values()):.2f} ({parts})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loadtest.soak", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pid", type=int, required=True, help="PID of `make up` (`python -m stack up`)")
    parser.add_argument("--runs", type=int, default=3, help="back-to-back runs (default 3)")
    parser.add_argument("--idle-s", type=float, default=10.0, help="seconds of idle CPU sampling (default 10)")
    parser.add_argument("--out", type=Path, help="folder for each run's results (default: a temporary one)")
    args, load_args = parser.parse_known_args(argv)
    load_args = load_args or ["--mode", "closed", "--concurrency", "16", "--duration", "30"]
    out = args.out or Path(tempfile.mkdtemp(prefix="soak-"))
    idle = idle_cores(args.pid, args.idle_s)
    print(f"idle cores: total {sum(idle.values()):.3f} (" + ", ".join(f"{k} {v:.3f}" for k, v in idle.items()) + ")")
    runs = []
    for n in range(1, args.runs + 1):
        runs.append(one_run(args.pid, load_args, out / f"run{n}"))
        print(row(n, runs[-1]), flush=True)
    (out / "soak.json").write_text(json.dumps({"idle_cores": idle, "load": load_args, "runs": runs}, indent=1))
    print(f"results in {out}")
    return 0 if all(r["ledger_ok"] for r in runs) else 1


if __name__ == "__main__":
    raise SystemExit(main())
