"""This platform as the benchmark runs it: ``python -m stack up --no-demo`` on the
embedded default (its own Apache Kafka broker, Valkey and local Ray, all under its
own run folder), with the bench's models published through ``common.publishing``
the way any publisher does.

``stack up`` only says READY once every data type has a ready model, so the
models are published as soon as the launcher has started its services, and the
launcher's READY line is awaited after that.
"""

from __future__ import annotations

import re
import secrets
import sys
import threading
import time
from pathlib import Path

from confluent_kafka import OFFSET_BEGINNING, Consumer

from common import codec, topics
from common.descriptors import ModelDescriptor, ModelState
from common.errors import WireError
from common.kafka import KafkaProducer, assign_all, consumer_config
from common.settings import InfraSettings
from loadtest.peers import models as bench_models
from loadtest.peers.procs import Server, child_env, free_port, wait_for_answer
from common.publishing import publish_model, publish_policy

SAMPLE = {"features": [5.1, 3.5, 1.4, 0.2], "record_id": "bench-probe"}


class Platform:
    def __init__(self, log_dir: Path, say=print, gateways: int = 1, rendezvous: int = 1) -> None:
        self.port = free_port()
        # `stack up` puts extra gateways on the ports after GATEWAY_PORT.
        self.urls = [f"http://127.0.0.1:{self.port + index}" for index in range(gateways)]
        self.url = ",".join(self.urls)  # the load tool takes several gateways in turn
        self.say = say
        self.lines: list[str] = []
        self._seen = threading.Condition()
        # Tokens set here, so that `stack up` prints none into the bench's logs; random, so
        # that no well-known token opens the bench's gateway. Nothing in the bench uses them.
        env = child_env(GATEWAY_PORT=str(self.port), ADMIN_TOKEN=secrets.token_urlsafe(24),
                        AUDIT_TOKEN=secrets.token_urlsafe(24))
        self.server = Server("platform", [sys.executable, "-m", "stack", "up", "--no-demo",
                                          "--run-dir", str(log_dir / "platform-run"), "--gateways", str(gateways),
                                          "--rendezvous", str(rendezvous)],
                             log_dir / "platform.log", env, stdout_pipe=True)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.infra: InfraSettings | None = None

    @property
    def pid(self) -> int:
        return self.server.pid

    def _read(self) -> None:
        with open(self.server.log_path, "a") as log:
            for line in self.server.proc.stdout:
                log.write(line)
                log.flush()
                with self._seen:
                    self.lines.append(line.rstrip("\n"))
                    self._seen.notify_all()
        with self._seen:
            self._seen.notify_all()

    def _wait_line(self, pattern: str, timeout: float) -> re.Match:
        deadline = time.monotonic() + timeout
        with self._seen:
            while True:
                for line in self.lines:
                    match = re.search(pattern, line)
                    if match:
                        return match
                if not self.server.alive() and not self._reader.is_alive():
                    raise RuntimeError("`stack up` exited:\n" + "\n".join(self.lines[-30:]))
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"`stack up` printed no {pattern!r} in {timeout:.0f} s:\n"
                                       + "\n".join(self.lines[-30:]))
                self._seen.wait(min(left, 1.0))

    def start(self, first_models: list[tuple[str, list[ModelDescriptor]]], timeout: float = 240.0) -> float:
        """Wait for the services, publish ``[(data_type, descriptors)]``, wait for READY and answers."""
        started = time.monotonic()
        bootstrap = self._wait_line(r"broker.* on (\S+:\d+)", timeout).group(1)
        redis_url = self._wait_line(r"redis.* on (redis://\S+)", timeout).group(1)
        self.infra = InfraSettings(kafka_bootstrap=bootstrap, redis_url=redis_url)
        self._wait_line(r"^\[up\] gateway\s+pid", timeout)
        for data_type, descriptors in first_models:
            self.publish(data_type, descriptors)
        self._wait_line(r"READY", timeout)
        for data_type, descriptors in first_models:
            self.wait_serving(data_type, descriptors, timeout)
        return time.monotonic() - started

    @property
    def bootstrap(self) -> str:
        return self.infra.kafka_bootstrap

    # Models ------------------------------------------------------------------------
    def publish(self, data_type: str, descriptors: list[ModelDescriptor], with_policy: bool = True) -> None:
        """Publish models (and, unless told not to, the data type's policy), as any publisher does."""
        producer = KafkaProducer(self.infra)
        try:
            for descriptor in descriptors:
                publish_model(producer, self.infra, descriptor)
            if with_policy:
                publish_policy(producer, bench_models.policy(data_type, len(descriptors)))
        finally:
            producer.close()
        self.say(f"published {len(descriptors)} model(s) x {descriptors[0].resources.replicas} replica(s) "
                 f"for {data_type}")

    def wait_serving(self, data_type: str, descriptors: list[ModelDescriptor], timeout: float = 120.0) -> float:
        """Every model ready, then three official answers in a row from the preferred (or only) model."""
        started = time.monotonic()
        self.wait_status([d.key for d in descriptors], ModelState.READY, timeout)
        wanted = "first" if len(descriptors) == 1 else "preferred"
        for url in self.urls:
            wait_for_answer(f"{url}/v1/predict/{data_type}", SAMPLE, self.server, timeout,
                            want=lambda r: r.status_code == 200 and r.json().get("reason") == wanted)
        return time.monotonic() - started

    def wait_status(self, keys: list[str], status: ModelState, timeout: float) -> None:
        """Read the model-status topic until every key's latest status is ``status``."""
        consumer = Consumer(consumer_config(self.infra, None))
        assign_all(consumer, [topics.MODEL_STATUS], OFFSET_BEGINNING)
        latest: dict[str, ModelState] = {}
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                if all(latest.get(k) is status for k in keys):
                    return
                if any(latest.get(k) is ModelState.FAILED for k in keys) and status is not ModelState.FAILED:
                    raise RuntimeError(f"a model failed to load: {latest}")
                msg = consumer.poll(0.2)
                if msg is None or msg.error():
                    continue
                try:
                    record = codec.decode_status(msg.value())
                except WireError:
                    continue
                latest[str(record.model)] = record.status
            raise TimeoutError(f"models not {status.value} after {timeout:.0f} s: {latest}")
        finally:
            consumer.close()

    def stop(self) -> list[str]:
        killed = self.server.stop(timeout=90)
        self._reader.join(5)
        if not self._reader.is_alive():
            self.server.proc.stdout.close()
        return killed
