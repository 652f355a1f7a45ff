"""What the stats app costs, measured on a platform started the way `make up` starts
it: `python -m loadtest.stats_cost [--rate 200] [--duration 60]`.

1. CPU per decision: an open-loop load (`python -m loadtest`) at --rate for --duration;
   over its steady part (after a 10 s warm-up, before its last 5 s), the CPU time of the
   stats process and of the registry (which folds the same decisions into Redis), from
   /proc/<pid>/stat, divided by the answers the windows gained.
2. Catch-up after kill -9: the same load again; 10 s in, SIGKILL to the stats process;
   `stack up` restarts it. Catch-up is the time from the restart until the windows hold
   every answer the registry had counted at the restart. At the end, once both settle,
   the windows' total must equal the registry's: nothing lost, nothing counted twice.
Prints one JSON object. Numbers from a shared machine: compare them, don't assert them."""
from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time

import httpx

from stack import embedded

TOKEN = "stats-cost-token"  # noqa: S105 - the throwaway platform this tool starts and stops
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_s(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


class Platform:
    def __init__(self, run_dir: str):
        self.port = embedded.free_port()
        env = {**os.environ, "GATEWAY_PORT": str(self.port), "ADMIN_TOKEN": TOKEN, "AUDIT_TOKEN": TOKEN}
        for name in ("KAFKA_BOOTSTRAP", "REDIS_URL", "RAY_ADDRESS"):
            env.pop(name, None)
        self.proc = subprocess.Popen([sys.executable, "-m", "stack", "up", "--run-dir", run_dir], env=env,  # noqa: S603 - fixed argv, our own launcher
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: list[str] = []
        self.ready = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=10,
                                 headers={"Authorization": f"Bearer {TOKEN}"})

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line)
            if "READY" in line:
                self.ready.set()

    def pid(self, name: str) -> int:
        found = [int(m.group(1)) for m in (re.match(rf"\[up\] {name}\s.*pid (\d+)", l) for l in self.lines) if m]
        return found[-1]

    def windows_total(self) -> int | None:
        response = self.http.get("/v1/data-types/iris/stats/windows", params={"width": "60s", "limit": 1000})
        return sum(w["answers"] for w in response.json()["windows"]) if response.status_code == 200 else None

    def registry_total(self) -> int:
        return self.http.get("/v1/data-types/iris/stats").json().get("answers", 0)

    def load(self, rate: float, duration: float, out: str) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "loadtest", "--rate", str(rate), "--duration", str(duration),  # noqa: S603 - fixed argv, our own load tool
                                 "--base-url", f"http://127.0.0.1:{self.port}", "--out", out, "--quiet",
                                 "--no-fail"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(120)


def settle(read, timeout: float = 60.0):
    last, since, deadline = None, time.monotonic(), time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = read()
        if value != last:
            last, since = value, time.monotonic()
        elif value is not None and time.monotonic() - since > 3:
            return value
        time.sleep(0.5)
    return last


def cpu_per_decision(platform: Platform, rate: float, duration: float, out: str) -> dict:
    load = platform.load(rate, duration, f"{out}/cpu")
    time.sleep(10)
    stats, registry = platform.pid("stats"), platform.pid("registry")
    start = (time.monotonic(), cpu_s(stats), cpu_s(registry), platform.windows_total())
    time.sleep(duration - 15)
    end = (time.monotonic(), cpu_s(stats), cpu_s(registry), platform.windows_total())
    load.wait(duration + 120)
    decisions = end[3] - start[3]
    return {"seconds": round(end[0] - start[0], 1), "decisions": decisions,
            "decisions_per_s": round(decisions / (end[0] - start[0]), 1),
            "stats_cpu_ms_per_decision": round(1000 * (end[1] - start[1]) / decisions, 4),
            "registry_cpu_ms_per_decision": round(1000 * (end[2] - start[2]) / decisions, 4),
            "stats_cpu_share_of_a_core": round((end[1] - start[1]) / (end[0] - start[0]), 3)}


def catch_up(platform: Platform, rate: float, duration: float, out: str) -> dict:
    load = platform.load(rate, duration, f"{out}/kill")
    time.sleep(10)
    victim = platform.pid("stats")
    os.kill(victim, signal.SIGKILL)
    killed = time.monotonic()
    while platform.pid("stats") == victim:
        time.sleep(0.05)
    restarted, target = time.monotonic(), platform.registry_total()
    while (platform.windows_total() or 0) < target:
        time.sleep(0.1)
    caught = time.monotonic()
    load.wait(duration + 120)
    registry = settle(platform.registry_total)
    windows = settle(platform.windows_total)
    return {"restart_after_kill_s": round(restarted - killed, 2), "catch_up_s": round(caught - restarted, 2),
            "kill_to_caught_up_s": round(caught - killed, 2), "answers_at_restart": target,
            "final_windows_total": windows, "final_registry_total": registry, "equal": windows == registry}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--duration", type=float, default=60.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="stats-cost-") as run_dir:
        platform = Platform(run_dir)
        try:
            if not platform.ready.wait(300):
                raise SystemExit("the platform did not start:\n" + "".join(platform.lines[-40:]))
            result = {"rate": args.rate, "cpu": cpu_per_decision(platform, args.rate, args.duration, run_dir),
                      "kill_9": catch_up(platform, args.rate, max(args.duration / 2, 30), run_dir)}
        finally:
            platform.stop()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
