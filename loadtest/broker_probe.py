"""``python -m loadtest.broker_probe``: what one hop through the embedded broker costs,
and whether that cost grows with what the broker holds.

On a private broker (the embedded Apache Kafka, fresh storage), it fills one partition
with single-record batches (one produce each, as the platform's hot path writes them)
and measures, at each fill level, the broker CPU spent on a produce plus the fetch of a
consumer that tails the partition, and the time from produce to delivery. The
consumer waits up to --fetch-wait-ms for data; Apache Kafka completes a waiting fetch
as soon as data arrives, so a hop takes about a millisecond whatever that wait is.
docs/performance.md has the measured tables.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from loadtest.peers.procs import cpu_seconds
from stack import broker as kafka
from stack.broker_install import kafka_version

TOPIC = "probe"


def tail_cost(broker_pid: int, producer: Producer, consumer: Consumer, rounds: int) -> tuple[float, float]:
    """(broker CPU in us, median ms) per round of: produce one record, the tailing
    consumer receives it."""
    before, hops = cpu_seconds(broker_pid), []
    for _ in range(rounds):
        sent = time.perf_counter()
        producer.produce(TOPIC, b"probe")
        producer.flush(10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            msg = consumer.poll(1.0)
            if msg is not None and not msg.error():
                hops.append((time.perf_counter() - sent) * 1000)
                break
        else:
            raise TimeoutError("the tailing consumer got nothing in 10 s")
    return (cpu_seconds(broker_pid) - before) / rounds * 1e6, statistics.median(hops)


def probe(levels: list[int], rounds: int, fetch_wait_ms: int, say=print) -> list[tuple[int, float, float]]:
    home = Path(tempfile.mkdtemp(prefix="broker-probe-"))
    broker, layout = kafka.start(home, home / "logs", say=say)
    try:
        admin = AdminClient({"bootstrap.servers": layout.bootstrap})
        admin.create_topics([NewTopic(TOPIC, num_partitions=1, replication_factor=-1)])[TOPIC].result(15)
        producer = Producer({"bootstrap.servers": layout.bootstrap, "linger.ms": 0, "log_level": 3})
        consumer = Consumer({"bootstrap.servers": layout.bootstrap, "group.id": "probe", "log_level": 3,
                             "fetch.wait.max.ms": fetch_wait_ms, "fetch.min.bytes": 1,
                             "enable.auto.commit": False})
        stored, results = 0, []
        for level in sorted(levels):
            for _ in range(level - stored):
                producer.produce(TOPIC, b"fill")
                producer.flush(10)  # one batch per record
            stored = level
            consumer.assign([TopicPartition(TOPIC, 0, stored)])  # the end, as a hot-path consumer reads
            cost_us, hop_ms = tail_cost(broker.pid, producer, consumer, rounds)
            stored += rounds
            results.append((level, cost_us, hop_ms))
            say(f"{level:>8} batches stored: {cost_us:8.0f} us of broker CPU per produce + tailing fetch, "
                f"median hop {hop_ms:6.2f} ms")
        consumer.close()
        return results
    finally:
        broker.terminate()
        broker.wait(30)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loadtest.broker_probe", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--levels", default="0,2000,5000,10000",
                        help="batches stored before each measurement (default 0,2000,5000,10000)")
    parser.add_argument("--rounds", type=int, default=200, help="produce+fetch rounds per level (default 200)")
    parser.add_argument("--fetch-wait-ms", type=int, default=500,
                        help="the consumer's fetch.wait.max.ms (default 500)")
    args = parser.parse_args(argv)
    try:
        levels = [int(v) for v in args.levels.split(",") if v.strip()]
    except ValueError:
        parser.error("--levels takes comma-separated whole numbers")
    if not levels or min(levels) < 0 or args.rounds < 1:
        parser.error("--levels needs numbers >= 0 and --rounds at least 1")
    print(f"private Apache Kafka {kafka_version()} broker, one partition, "
          f"consumer fetch wait {args.fetch_wait_ms} ms")
    probe(levels, args.rounds, args.fetch_wait_ms)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
