"""The hot-swap phase: a steady open loop while a new version of the preferred model
replaces the old one, and the p99 before, during and after the swap.

The new version is published the way any publisher does (``common.publishing``);
the runner supervisor starts it, and once it is ready retires the old version after
a drain.  "During" runs from the publication to the old version's retirement, so
it holds the new replica's start-up, both versions scoring, and the drain.
"""

from __future__ import annotations

import math
import subprocess
import time
from collections import Counter

from common.descriptors import ModelState
from loadtest.bench import read_result
from loadtest.ledger import read_ledger
from loadtest.ledger_check import is_official
from loadtest.peers import models as bench_models
from loadtest.peers.procs import ROOT, child_env
from loadtest.peers.summary import MAX_ERROR_SHARE
from loadtest.report import got_response
from common.stats import percentile

NEW_VERSION = "2"


def run_swap(bench, platform, data_type: str, trained: list, target: list[str], say=print) -> dict:
    """Load ``data_type`` (3 models) at the profile's swap rate, swap the preferred model, keep its windows."""
    p = bench.profile
    new = bench_models.descriptors(trained[:1], data_type, version=NEW_VERSION)[0]
    old_key = bench_models.known_versions(data_type, 1)
    known = f"{bench_models.known_versions(data_type, 3)},{new.key}"
    out = bench.raw_dir / "platform" / "hot-swap"
    command = bench.load_command(target, data_type, known, out, mode="open", rate=p.swap_rate,
                                 duration_s=p.swap_duration_s)
    load = subprocess.Popen(command, cwd=ROOT, env=child_env(), stdout=subprocess.DEVNULL,  # noqa: S603 - argv list, no shell: this python and the bench's own arguments
                            stderr=subprocess.PIPE, text=True)
    try:
        wait_for_file(out / "ledger.jsonl", load, timeout=60.0)  # the load tool has started its schedule
        time.sleep(p.swap_before_s)
        published = time.time()
        platform.publish(data_type, [new], with_policy=False)
        platform.wait_status([new.key], ModelState.READY, timeout=p.swap_duration_s)
        ready = time.time()
        platform.wait_status([old_key], ModelState.RETIRED, timeout=p.swap_duration_s)
        retired = time.time()
        say(f"hot swap: {new.key} ready {ready - published:.1f} s after publication, {old_key} retired "
            f"after {retired - published:.1f} s")
        _, stderr = load.communicate(timeout=p.swap_duration_s + p.timeout_s + 120)
    finally:
        if load.poll() is None:
            load.kill()
            load.wait()
    result = read_result(out, subprocess.CompletedProcess(command, load.returncode, "", stderr), "the hot swap")
    swap = swap_windows(read_ledger(out / "ledger.jsonl"), published, retired)
    check = result["ledger_check"]
    swap.update(rate=p.swap_rate, data_type=data_type, model=new.name, before_s=p.swap_before_s,
                ready_after_s=round(ready - published, 2), ledger_passed=bool(check.get("passed")),
                ledger_failures=list(check.get("failures", [])),
                command=" ".join(["python", "-m", "loadtest", *command[3:]]))
    say("hot swap: p99 " + ", ".join(f"{n} {w['p99']} ms" for n, w in swap["windows"].items())
        + f"; worst against before {swap['ratio']}")
    return swap


def wait_for_file(path, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the load tool did not start its run ({path} never appeared)")
        time.sleep(0.1)


def swap_windows(entries: list[dict], published_at: float, swapped_at: float) -> dict:
    """Latency of the measured requests before, during and after a swap, by scheduled send time.

    ``ratio`` is the worst p99 of "during" and "after" over the p99 "before" (None when a
    window has no answers).  ``versions`` counts the answers per model version.
    The windows' bounds are wall-clock seconds, as the ledger's times are.
    """
    measured = sorted((e for e in entries if not e.get("warmup") and "scheduled_at" in e),
                      key=lambda e: e["scheduled_at"])
    bounds = {"before": (-math.inf, published_at), "during": (published_at, swapped_at),
              "after": (swapped_at, math.inf)}
    windows = {}
    for name, (low, high) in bounds.items():
        inside = [e for e in measured if low <= e["scheduled_at"] < high]
        latencies = sorted(e["latency_ms"] for e in inside if got_response(e))
        seconds = inside[-1]["scheduled_at"] - inside[0]["scheduled_at"] if inside else 0.0
        windows[name] = {"seconds": round(seconds, 2), "count": len(inside), "p50": percentile(latencies, 50),
                         "p99": percentile(latencies, 99),
                         "not_official": sum(1 for e in inside if not is_official(e.get("status")))}
    before = windows["before"]["p99"]
    worst = [windows[n]["p99"] for n in ("during", "after")]
    ratio = max(worst) / before if before and None not in worst else None
    versions = Counter(f"{e['model_name']}:{e['model_version']}" for e in measured if e.get("model_name"))
    first = windows["before"]
    return {"windows": windows, "ratio": None if ratio is None else round(ratio, 2),
            "versions": dict(versions.most_common()),
            # Already over the limits before the swap: the ratio compares two overloads, not a swap.
            "overloaded_before": not first["count"] or first["not_official"] / first["count"] > MAX_ERROR_SHARE}
