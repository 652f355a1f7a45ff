"""``python -m loadtest.group_probe``: how long consumer-group changes take on the
embedded broker, with the classic protocol and with KIP-848 (group.protocol=consumer).

On a private broker and a 4-partition topic, per protocol and trial, it times:
- join: one consumer subscribes until it holds every partition;
- second member: a second consumer subscribes until each holds half;
- clean leave: the second closes until the first holds every partition again;
- crash: a member in a child process is killed (SIGKILL) until the survivor holds
  every partition; this one is bounded by the session timeout.
docs/decisions/005-apache-kafka-embedded.md has the measured table.
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from confluent_kafka import Consumer
from confluent_kafka.admin import AdminClient, NewTopic

from common.kafka import group_settings
from stack import broker as kafka

TOPIC, PARTITIONS = "group-probe", 4


def consumer(bootstrap: str, group: str, protocol: str) -> Consumer:
    return Consumer({"bootstrap.servers": bootstrap, "group.id": group, "log_level": 0,
                     **group_settings(protocol, assignor="range")})


def settle(consumers: list[Consumer], wanted: list[int], timeout: float = 60.0) -> float:
    """Poll every consumer until each holds its wanted number of partitions."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        for c in consumers:
            c.poll(0.01)
        if [len(c.assignment()) for c in consumers] == wanted:
            return time.monotonic() - started
    return float("nan")


def trial(bootstrap: str, protocol: str, group: str) -> dict[str, float]:
    first = consumer(bootstrap, group, protocol)
    first.subscribe([TOPIC])
    times = {"join": settle([first], [PARTITIONS])}
    second = consumer(bootstrap, group, protocol)
    second.subscribe([TOPIC])
    times["second member"] = settle([first, second], [PARTITIONS // 2] * 2)
    second.close()
    times["clean leave"] = settle([first], [PARTITIONS])
    child = subprocess.Popen([sys.executable, "-m", "loadtest.group_probe", "--member", bootstrap, group,  # noqa: S603 - argv list, no shell: this python and the probe's own arguments
                              protocol], stdout=subprocess.PIPE)
    settle([first], [PARTITIONS // 2])  # first keeps polling: a classic rebalance needs it to
    child.stdout.readline()             # the child has its half
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    times["crash"] = settle([first], [PARTITIONS])
    first.close()
    return times


def member(bootstrap: str, group: str, protocol: str) -> None:
    c = consumer(bootstrap, group, protocol)
    c.subscribe([TOPIC])
    while not c.assignment():
        c.poll(0.05)
    print("joined", flush=True)
    while True:
        c.poll(0.05)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loadtest.group_probe", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=3, help="trials per protocol (default 3)")
    parser.add_argument("--member", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.member:
        member(*args.member)
        return 0
    home = Path(tempfile.mkdtemp(prefix="group-probe-"))
    proc, layout = kafka.start(home, home / "logs")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # so `finally` stops the broker
    try:
        admin = AdminClient({"bootstrap.servers": layout.bootstrap})
        admin.create_topics([NewTopic(TOPIC, PARTITIONS, 1)])[TOPIC].result(15)
        print(f"{'protocol':<9} {'trial':>5} " + " ".join(f"{k:>14}" for k in
                                                      ("join", "second member", "clean leave", "crash")))
        for protocol in ("classic", "consumer"):
            for n in range(args.trials):
                times = trial(layout.bootstrap, protocol, f"probe-{protocol}-{n}")
                print(f"{protocol:<9} {n:>5} " + " ".join(f"{v:>13.2f}s" for v in times.values()), flush=True)
    finally:
        proc.terminate()
        proc.wait(30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
