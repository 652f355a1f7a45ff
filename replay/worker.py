"""The replay worker: runs the jobs published on the `replays` topic, one at a time,
inside the runner supervisor (the process that holds Ray). It follows the models and
policies topics for the candidate's bytes and the data type's policy.

A job still `requested` or `running` once the worker has caught up is (re)started:
a replay cut short by a crash runs again from its first row, as attempt n+1. It
writes only to the `replays` topic, never an answer, a score or a live stat."""
from __future__ import annotations

import logging
import threading

from common import codec, topics
from common.clock import now_us
from common.descriptors import DataTypePolicy, ModelDescriptor
from common.domain import ModelRef, Role
from common.follow import StateFollower
from common.kafka import Consumed, KafkaProducer
from common.policies import build_policy
from common.policies.base import PolicyError
from common.settings import InfraSettings
from model_runners import ray_host
from replay.job import ReplayRun
from replay.reader import DecisionReader
from replay.report import ReplayTally
from replay.spec import ReplayJob, JobStatus, decode_job, updated

log = logging.getLogger(__name__)
WHAT_IF = {"quality": {}, "consensus": {}}  # policies every report tries, besides the live one
DEFAULT_POLICY = DataTypePolicy("*", "first", {"deadline_ms": "100"})  # the rendezvous's default


class ReplayWorker:
    def __init__(self, infra: InfraSettings, producer: KafkaProducer, decisions_topic: str = topics.DECISIONS):
        self._infra, self._producer, self._decisions_topic = infra, producer, decisions_topic
        self._models: dict[str, tuple[ModelDescriptor, bytes]] = {}
        self._policies: dict[str, DataTypePolicy] = {}
        self._jobs: dict[str, ReplayJob] = {}
        self._finished: set[str] = set()  # by this worker: its own "done" may not have come back yet
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._follower = StateFollower(infra, {topics.MODELS: codec.decode_descriptor, topics.POLICIES: codec.decode_policy,
                                               topics.REPLAYS: decode_job}, self._apply, producer, "replay-worker")
        self._thread = threading.Thread(target=self._run, name="replay-worker", daemon=True)

    def start(self) -> None:
        self._follower.start()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=20)
        self._follower.stop()

    def _apply(self, record: Consumed) -> None:
        with self._lock:
            if record.topic == topics.MODELS:
                self._models[record.value.key] = (record.value, record.raw)
            elif record.topic == topics.POLICIES:
                self._policies[record.value.data_type] = record.value
            else:
                self._jobs[record.value.replay_id] = record.value

    def _next_job(self) -> ReplayJob | None:
        with self._lock:
            waiting = [j for j in self._jobs.values() if not j.finished and j.replay_id not in self._finished]
        return min(waiting, key=lambda j: j.created_at_us, default=None)

    def _run(self) -> None:
        while not self._follower.wait_caught_up(1.0):
            if self._stop.is_set():
                return
        while not self._stop.wait(0.5):
            job = self._next_job()
            if job is not None:
                self.execute(job)

    def execute(self, job: ReplayJob) -> ReplayJob:
        job = self._publish(updated(job, now_us(), status=JobStatus.RUNNING, attempt=job.attempt + 1, reason=""))
        log.info("replay %s: %s:%s over %s, attempt %d", job.replay_id, job.spec.model, job.spec.version,
                 job.spec.data_type, job.attempt)
        try:
            job = self._replay(job)
        except Exception as exc:  # a replay's failure is its report, never the supervisor's crash
            log.exception("replay %s failed", job.replay_id)
            job = self._publish(updated(job, now_us(), status=JobStatus.FAILED, reason=f"{type(exc).__name__}: {exc}"))
        if job.finished:
            self._finished.add(job.replay_id)
        return job

    def _replay(self, job: ReplayJob) -> ReplayJob:
        spec = job.spec
        with self._lock:
            found = self._models.get(f"{spec.model}:{spec.version}")
        if found is None or found[0].role is Role.RETIRED:
            return self._fail(job, f"no model {spec.model}:{spec.version} to replay (unknown or retired)")
        descriptor, raw = found
        if descriptor.data_type != spec.data_type:
            return self._fail(job, f"{descriptor.key} serves data type {descriptor.data_type!r}, not {spec.data_type!r}")
        reader = DecisionReader(self._infra, spec, self._decisions_topic)
        actor = ray_host.start_replay_scorer(descriptor, raw, f"{job.replay_id}-{job.attempt}")
        try:
            try:
                ray_host.call_replay_scorer(actor, "ready", timeout=300)
            except ray_host.ReplayScorerError as exc:
                return self._fail(job, f"the candidate failed to load: {exc}")
            if reader.resolve() == 0:
                return self._fail(job, f"no recorded decisions in the range (the {self._decisions_topic} topic's "
                                       "retention bounds how far back a replay can go)")
            run = ReplayRun(job, reader, lambda reqs, at: ray_host.call_replay_scorer(actor, "score", reqs, at),
                            self._tally(descriptor), self._publish, self._stop)
            return run.run(self._range_info(reader))
        finally:
            reader.close()
            ray_host.stop_replay_scorer(actor)

    def _tally(self, candidate: ModelDescriptor) -> ReplayTally:
        with self._lock:
            live = self._policies.get(candidate.data_type, DEFAULT_POLICY)
            models = {d.ref: d for d, _ in self._models.values()}
        policies = {f"live:{live.policy}": build_policy(live.policy, live.params)}
        for name, params in WHAT_IF.items():
            try:
                policies[name] = build_policy(name, {**params, **_deadline(live)})
            except PolicyError:
                policies[name] = build_policy(name, params)

        def role_of(ref: ModelRef) -> Role:
            return models[ref].role if ref in models else Role.RETIRED

        def quality_of(ref: ModelRef) -> float:
            return models[ref].quality if ref in models else 0.0

        return ReplayTally(candidate.ref, policies, role_of, quality_of)

    @staticmethod
    def _range_info(reader: DecisionReader) -> dict:
        return {"partitions": {str(p): [s.start, s.end] for p, s in sorted(reader.spans.items())},
                "clipped_by_retention": any(s.clipped for s in reader.spans.values())}

    def _fail(self, job: ReplayJob, reason: str) -> ReplayJob:
        log.warning("replay %s failed: %s", job.replay_id, reason)
        return self._publish(updated(job, now_us(), status=JobStatus.FAILED, reason=reason))

    def _publish(self, job: ReplayJob) -> ReplayJob:
        self._producer.produce(topics.REPLAYS, job.encode(), key=job.replay_id)
        return job


def _deadline(policy: DataTypePolicy) -> dict:
    """The what-if policies get the live one's deadline, so 'in time' means the same."""
    return {"deadline_ms": policy.params["deadline_ms"]} if "deadline_ms" in policy.params else {}
