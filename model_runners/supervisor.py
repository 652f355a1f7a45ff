"""The runner supervisor reconciles Ray actors with the model topic: it starts the
replicas of every published version, reports loading / ready / failed / pending on
the model-status topic, and stops the replicas of retired versions."""
from __future__ import annotations

import logging
import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from common import codec, topics
from common.clock import now_us
from common.descriptors import ModelDescriptor, ModelStatus, ModelState
from common.domain import Role
from common.follow import StateFollower
from common.kafka import Consumed, KafkaProducer
from common.metrics import process_registry
from common.settings import InfraSettings
from common.stream import DEAD_LETTERS
from model_runners import ray_cluster, ray_host
from model_runners.deployment import Deployment
from model_runners.health import HealthEvent, ReplicaHealth
from model_runners.hot_swap import RetirementSchedule
from model_runners.metrics import ReplicaFamilies
from model_runners.replica_scrapes import ReplicaScrapes
from model_runners.settings import RunnerSettings
from model_runners.validate import validate_in_subprocess
from replay.worker import ReplayWorker

log = logging.getLogger(__name__)
CANDIDATE_REASON = "candidate: validated; scores replays only, never live traffic"


class Supervisor:
    def __init__(self, infra: InfraSettings, settings: RunnerSettings):
        self._infra = infra
        self._settings = settings
        self._producer = KafkaProducer(infra)
        self._published: queue.SimpleQueue[Consumed] = queue.SimpleQueue()
        self._follower = StateFollower(infra, {topics.MODELS: codec.decode_descriptor},
                                       self._published.put, self._producer, "supervisor")
        self._deployments: dict[str, Deployment] = {}
        self._stop = threading.Event()
        # Untrusted bytes are loaded first in a throwaway subprocess: a model that
        # crashes or hangs ONNX Runtime takes that process down, not a runner.
        self._validators = ThreadPoolExecutor(max_workers=2, thread_name_prefix="validate")
        self._retirements = RetirementSchedule(settings.retire_drain_s)  # hot swap
        self._replays = ReplayWorker(infra, self._producer)  # runs here because this process holds Ray
        self._scrapes = ReplicaScrapes()
        self._health = ReplicaHealth(settings.health_interval_s, settings.health_timeout_s)
        # Served by common.entrypoint: this process's figures and every replica's.
        self.metrics_registry = process_registry(ReplicaFamilies([DEAD_LETTERS], self._scrapes.latest))

    def connect(self) -> None:
        ray_cluster.connect(self._infra.ray_address, self._infra.local_ray_cpus())

    def run(self) -> None:
        self.connect()  # a no-op when already connected
        self._follower.start()
        self._replays.start()
        try:
            while not self._stop.wait(0.2):
                self._take_publications()
                self._watch_loading()
                self._retire_due()
                self._check_health()
                self._scrapes.refresh(self._running_replicas())
        finally:
            self._shutdown()

    def stop(self) -> None:
        self._stop.set()

    # Reconciling ---------------------------------------------------------------------
    def _take_publications(self) -> None:
        while True:
            try:
                record = self._published.get_nowait()
            except queue.Empty:
                return
            self._apply(record.value, record.raw)

    def _apply(self, descriptor: ModelDescriptor, raw: bytes) -> None:
        key = descriptor.key
        current = self._deployments.get(key)
        if descriptor.role is Role.RETIRED:
            if current is not None:
                current.stop_replicas()
                del self._deployments[key]
            self._report(descriptor, ModelState.RETIRED)
            return
        if current is not None:  # a role change: the rendezvous acts on it, the replicas don't
            was_candidate = current.descriptor.role is Role.CANDIDATE
            current.descriptor = descriptor
            if was_candidate != (descriptor.role is Role.CANDIDATE) and current.validation is None:
                self._switch_candidate(current)
            return
        deployment = Deployment(descriptor, raw, reason="validating")
        self._deployments[key] = deployment
        self._report(descriptor, ModelState.LOADING, "validating")
        deployment.validation = self._validators.submit(validate_in_subprocess, raw)

    def _start(self, deployment: Deployment) -> None:
        d = deployment.descriptor
        if d.role is Role.CANDIDATE:
            self._switch_candidate(deployment)
            return
        lacking = ray_cluster.what_the_cluster_lacks(d)
        if lacking:  # stays pending; Ray places it if the cluster grows
            deployment.status, deployment.reason = ModelState.PENDING, lacking
        self._report(d, deployment.status, deployment.reason)
        deployment.start_replicas(self._infra.model_dump())

    def _watch_loading(self) -> None:
        for deployment in list(self._deployments.values()):
            if deployment.validation is not None:
                self._watch_validation(deployment)
                continue
            if deployment.status not in (ModelState.LOADING, ModelState.PENDING):
                continue
            polled = [ray_host.poll_ready(h) for h in deployment.replicas]
            errors = [err for done, err in polled if err]
            if errors:
                deployment.status, deployment.reason = ModelState.FAILED, errors[0]
                deployment.stop_replicas()
                self._report(deployment.descriptor, ModelState.FAILED, errors[0])
            elif all(done for done, _ in polled):
                deployment.status, deployment.reason = ModelState.READY, ""
                self._report(deployment.descriptor, ModelState.READY, replicas=len(polled))
                self._retire_older_versions(deployment.descriptor)

    def _watch_validation(self, deployment: Deployment) -> None:
        if not deployment.validation.done():
            return
        reason = deployment.validation.result()
        deployment.validation = None
        if reason:
            deployment.status, deployment.reason = ModelState.FAILED, reason
            self._report(deployment.descriptor, ModelState.FAILED, reason)
        else:
            deployment.reason = ""
            self._start(deployment)

    def _switch_candidate(self, deployment: Deployment) -> None:
        """A candidate is validated but has no replicas, so it never sees live traffic
        (replays load it in their own actor). Into or out of that role, replicas go or come."""
        if deployment.status is ModelState.FAILED:
            return  # a model that failed to load stays failed, whatever its role
        if deployment.descriptor.role is Role.CANDIDATE:
            deployment.stop_replicas()
            deployment.status, deployment.reason = ModelState.READY, CANDIDATE_REASON
            self._report(deployment.descriptor, ModelState.READY, CANDIDATE_REASON)
        else:
            deployment.status, deployment.reason = ModelState.LOADING, ""
            self._start(deployment)

    def _retire_older_versions(self, ready: ModelDescriptor) -> None:
        deployed = [d.descriptor for d in self._deployments.values()]
        self._retirements.after_ready(ready, deployed, time.monotonic())

    def _retire_due(self) -> None:
        for d in self._retirements.take_due(time.monotonic()):
            log.info("retiring %s: a newer version is ready", d.key)
            self._producer.produce(topics.MODELS, codec.encode_descriptor(replace(d, role=Role.RETIRED)), key=d.key)

    def _check_health(self) -> None:
        """Between loads, a replica that died, hangs or was given up on is noticed here
        (model_runners/health.py), replaced if Ray will not restart it, and reported:
        the version stays ready, with the replicas that serve now and the reason."""
        serving = {(key, h.index): h for key, d in self._deployments.items() if d.status is ModelState.READY
                   for h in d.replicas}
        for event in self._health.check(serving, time.monotonic()):
            deployment = self._deployments[event.key]
            if event.kind == "dead":
                deployment.replace_replica(event.index, self._infra.model_dump())
            self._report_health(deployment, event)

    def _report_health(self, deployment: Deployment, event: HealthEvent) -> None:
        serving = len(deployment.replicas) - self._health.troubled(event.key)
        reason = "" if event.kind == "back" and serving == len(deployment.replicas) else (
            f"replica {event.index} {event.kind}: {event.detail}")
        deployment.reason = reason
        self._report(deployment.descriptor, ModelState.READY, reason, replicas=serving)

    def _running_replicas(self) -> dict:
        """(version key, replica number) -> (its metric labels, its handle)."""
        return {(key, h.index): (labels, h) for key, d in self._deployments.items()
                for labels, h in d.replica_labels()}

    def _report(self, d: ModelDescriptor, status: ModelState, reason: str = "", replicas: int = 0) -> None:
        log.info("model %s is %s%s", d.key, status.value, f": {reason}" if reason else "")
        self._producer.produce(topics.MODEL_STATUS, codec.encode_status(
            ModelStatus(d.ref, d.data_type, status, reason, replicas, now_us())), key=d.key)

    def _shutdown(self) -> None:
        self._replays.stop()
        for deployment in self._deployments.values():
            deployment.stop_replicas()
        self._validators.shutdown(wait=False, cancel_futures=True)
        self._follower.stop()
        self._producer.close()
        ray_cluster.shutdown()
