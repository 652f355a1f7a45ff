"""One fault, run: a fresh platform, steady open-loop load, the fault injected mid-run
(and healed, if it must be), the load kept going, then the ledger judged. Every step
has a time limit, and the platform is stopped by its PID whatever happens."""
from __future__ import annotations

import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import orjson

from loadtest.chaos import wire
from loadtest.chaos.fault import Fault
from loadtest.chaos.faults import slug
from loadtest.chaos.platform import ROOT, StackPlatform
from loadtest.chaos.verdict import judge, recovery_time
from loadtest.config import IRIS_SAMPLES
from loadtest.ledger import read_ledger

CAPACITY_S, CAPACITY_CONNECTIONS = 8.0, 16
CLIENT_TIMEOUT_S = 10.0  # the load tool's wait for one answer; silence past it is lost
GRACE_MS = 1000.0
MIN_RATE = 10.0


@dataclass(frozen=True)
class RunSettings:
    out: Path
    rate: float | None  # requests/s; None: half the capacity measured on the fresh platform
    duration_s: float = 60.0
    inject_after_s: float = 20.0


def run_fault(fault: Fault, settings: RunSettings, say=print) -> dict:
    out = settings.out / slug(fault)
    shutil.rmtree(out, ignore_errors=True)  # a fresh platform: no topics, audit or logs of an earlier run
    started = time.monotonic()
    result: dict = {"fault": fault.name, "slug": slug(fault), "up_args": list(fault.up_args), "notes": fault.notes}
    platform = None
    try:
        platform = started_platform(fault, out, say)
        serving(platform.url)
        result["ready_s"] = round(time.monotonic() - started, 1)
        rate = settings.rate or half_capacity(platform, out / "capacity", say)
        result.update(rate=rate, duration_s=load_duration(fault, settings), inject_after_s=settings.inject_after_s)
        say(f"  ready in {result['ready_s']} s; open loop at {rate:g}/s for {result['duration_s']:g} s")
        injected_at = load_with_fault(platform, fault, settings, rate, out / "load", say)
        entries = read_ledger(out / "load" / "ledger.jsonl")
        result["injected_at"] = injected_at
        result.update(judged(entries, injected_at, load_duration(fault, settings)))
        result["wire"] = wire.answers_on_the_wire(platform.env["KAFKA_BOOTSTRAP"], wire.reply_topics(platform.run_dir))
        result["verify"] = fault.verify(platform, entries, injected_at) if fault.verify else {}
    except Exception as exc:  # one fault's failure is a row of the table, not the end of the matrix
        result["error"] = f"{type(exc).__name__}: {exc}"
        say(f"  failed: {result['error']}")
    finally:
        result["stopped_with"] = platform.stop() if platform else None
    result["elapsed_s"] = round(time.monotonic() - started, 1)
    result["problems"] = problems_of(result)
    result["passed"] = not result["problems"]
    (out / "result.json").write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2))
    return result


def started_platform(fault: Fault, out: Path, say) -> StackPlatform:
    """A fresh platform, READY; a second try if the first did not start (on a shared
    machine another broker may take the port between `stack up`'s check and its bind)."""
    for attempt in (1, 2):
        platform = StackPlatform(out / f"run{'' if attempt == 1 else attempt}", fault.up_args,
                                 say=lambda line: say(f"  {line}"))
        say(f"{fault.name}: starting `stack up {' '.join(fault.up_args)}` in {platform.run_dir}")
        try:
            platform.start()
            return platform
        except (RuntimeError, TimeoutError) as exc:
            platform.stop()
            if attempt == 2:
                raise
            say(f"  `stack up` did not start ({str(exc).splitlines()[0]}); once more")
    raise AssertionError("unreachable")


def load_with_fault(platform: StackPlatform, fault: Fault, settings: RunSettings, rate: float, out: Path,
                    say) -> float:
    """Run the load as a process of its own; inject (and heal) meanwhile. Returns when
    the fault was injected (wall clock, as the ledger's times are)."""
    duration_s = load_duration(fault, settings)
    load = load_process(platform.url, ["--mode", "open", "--rate", f"{rate:g}", "--duration", f"{duration_s:g}"], out)
    try:
        time.sleep(settings.inject_after_s)
        injected_at = time.time()
        fault.inject(platform)
        if fault.heal is not None:
            time.sleep(fault.settle_s)
            fault.heal(platform)
        load.wait(duration_s + CLIENT_TIMEOUT_S + 60)
    finally:
        if load.poll() is None:
            load.kill()
            load.wait(10)
    say(f"  load done; ledger {out / 'ledger.jsonl'}")
    return injected_at


def load_duration(fault: Fault, settings: RunSettings) -> float:
    return max(settings.duration_s, settings.inject_after_s + fault.load_after_s)


def load_process(url: str, shape: list[str], out: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "loadtest", *shape, "--base-url", url, "--out", str(out), "--quiet",
               "--no-fail", "--timeout", f"{CLIENT_TIMEOUT_S:g}", "--grace-ms", f"{GRACE_MS:g}"]
    out.mkdir(parents=True, exist_ok=True)
    log = open(out / "loadtest.log", "wb")  # noqa: SIM115 - the child holds it; closed with this process
    return subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)  # noqa: S603 - argv list, no shell: our own `python -m loadtest`


def serving(url: str, timeout_s: float = 120.0, in_a_row: int = 10) -> None:
    """Wait until predictions are answered officially, several in a row: READY says the
    models loaded, but a second rendezvous may still be joining its group, and a
    capacity measured during that rebalance would be a fraction of the real one."""
    deadline, good = time.monotonic() + timeout_s, 0
    with httpx.Client(base_url=url, timeout=CLIENT_TIMEOUT_S) as client:
        while good < in_a_row:
            if time.monotonic() > deadline:
                raise TimeoutError(f"predictions not answered {in_a_row} times in a row within {timeout_s:g} s")
            try:
                ok = client.post("/v1/predict/iris", json={"features": list(IRIS_SAMPLES[0])}).status_code == 200
            except httpx.HTTPError:
                ok = False
            good = good + 1 if ok else 0
            time.sleep(0 if ok else 0.5)


def half_capacity(platform: StackPlatform, out: Path, say) -> float:
    """Half the official answers per second that a short closed loop got (at least
    MIN_RATE: on a shared machine a neighbour's burst can make the probe meaningless)."""
    probe = load_process(platform.url, ["--mode", "closed", "--concurrency", str(CAPACITY_CONNECTIONS),
                                        "--duration", f"{CAPACITY_S:g}"], out)
    try:
        probe.wait(CAPACITY_S + CLIENT_TIMEOUT_S + 30)
    finally:
        if probe.poll() is None:
            probe.kill()
            probe.wait(10)
    capacity = orjson.loads((out / "result.json").read_bytes())["throughput"]["ok_per_s"]
    say(f"  capacity: {capacity:.0f} answers/s in a {CAPACITY_S:g} s closed loop of {CAPACITY_CONNECTIONS}")
    time.sleep(3)  # let the backlog of the probe drain before the measured run
    return max(MIN_RATE, round(capacity / 2))


def judged(entries: list[dict], injected_at: float, duration_s: float) -> dict:
    sends = [e["scheduled_at"] for e in entries if e.get("scheduled_at")]
    load_ended = (min(sends) if sends else injected_at) + duration_s
    check = judge(entries, GRACE_MS)
    return {"check": check, "recovery": recovery_time(entries, injected_at, load_ended)}


def problems_of(result: dict) -> list[str]:
    problems = [result["error"]] if "error" in result else []
    check = result.get("check", {})
    problems += [f"{kind} {check[kind]}" for kind in check.get("failures", [])]
    if result.get("wire", {}).get("two_different_answers"):
        problems.append(f"{result['wire']['two_different_answers']} requests got two different answers on the wire")
    problems += result.get("verify", {}).get("problems", [])
    return problems
