"""``python -m loadtest.broker_probe``: how the embedded broker's cost grows with
what it holds.

The platform slows down under sustained load on the embedded default. This probe
shows why without any platform code: on a private Tansu broker (memory engine), it
fills one partition with single-record batches (one produce each, as the platform's
hot path writes them) and measures, at each fill level, the broker CPU spent on a
produce plus the fetch of a consumer that tails the partition. The memory engine
keeps every batch (no retention, no DeleteRecords), so that cost only grows.
docs/performance.md has the measured table and what follows from it.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from loadtest.peers.procs import cpu_seconds
from stack.embedded import broker_command, free_port, start

TOPIC = "probe"


def tail_cost_us(broker_pid: int, producer: Producer, consumer: Consumer, rounds: int) -> float:
    """Broker CPU per (produce one record, the tailing consumer fetches it)."""
    before = cpu_seconds(broker_pid)
    for _ in range(rounds):
        producer.produce(TOPIC, b"probe")
        producer.flush(10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            msg = consumer.poll(1.0)
            if msg is not None and not msg.error():
                break
        else:
            raise TimeoutError("the tailing consumer got nothing in 10 s")
    return (cpu_seconds(broker_pid) - before) / rounds * 1e6


def probe(levels: list[int], rounds: int, fetch_wait_ms: int, say=print) -> list[tuple[int, float]]:
    port = free_port()
    log = os.path.join(tempfile.gettempdir(), f"broker-probe-{port}.log")
    broker = start(broker_command(port), port, log)
    bootstrap = f"127.0.0.1:{port}"
    try:
        admin = AdminClient({"bootstrap.servers": bootstrap})
        admin.create_topics([NewTopic(TOPIC, num_partitions=1, replication_factor=-1)])[TOPIC].result(15)
        producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 0, "log_level": 3,
                             "log.connection.close": False})
        consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "probe", "log_level": 3,
                             "log.connection.close": False, "fetch.wait.max.ms": fetch_wait_ms,
                             "enable.auto.commit": False})
        stored, results = 0, []
        for level in sorted(levels):
            for _ in range(level - stored):
                producer.produce(TOPIC, b"fill")
                producer.flush(10)  # one batch per record
            stored = level
            consumer.assign([TopicPartition(TOPIC, 0, stored)])  # the end, as a hot-path consumer reads
            cost = tail_cost_us(broker.pid, producer, consumer, rounds)
            stored += rounds
            results.append((level, cost))
            say(f"{level:>8} batches stored: {cost:8.0f} us of broker CPU per produce + tailing fetch")
        consumer.close()
        return results
    finally:
        broker.terminate()
        broker.wait(10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loadtest.broker_probe", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--levels", default="0,2000,5000,10000",
                        help="batches stored before each measurement (default 0,2000,5000,10000)")
    parser.add_argument("--rounds", type=int, default=200, help="produce+fetch rounds per level (default 200)")
    parser.add_argument("--fetch-wait-ms", type=int, default=10, help="the consumer's fetch.wait.max.ms (default 10)")
    args = parser.parse_args(argv)
    try:
        levels = [int(v) for v in args.levels.split(",") if v.strip()]
    except ValueError:
        parser.error("--levels takes comma-separated whole numbers")
    if not levels or min(levels) < 0 or args.rounds < 1:
        parser.error("--levels needs numbers >= 0 and --rounds at least 1")
    print(f"private Tansu broker (memory engine), one partition, consumer fetch wait {args.fetch_wait_ms} ms")
    probe(levels, args.rounds, args.fetch_wait_ms)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
