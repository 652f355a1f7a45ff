"""The candidate, loaded on its own for one replay: a plain class that
model_runners/ray_host.py runs as a Ray actor with the candidate's resources. It is
no Kafka consumer and joins no group, so it never sees a live request; the replay
job hands it recorded requests in batches and gets scores back.

It loads and scores exactly as a runner replica does (the same artifact checks,
runtime and ScoringCore), so a replay measures the model a replica would serve."""
from __future__ import annotations

from dataclasses import replace

from common import codec
from model_runners.artifacts import materialize, release
from model_runners.runtimes import create_runtime
from model_runners.core import ScoringCore


class CandidateScorer:
    def __init__(self, descriptor_bytes: bytes):
        """Load the candidate; raises ModelLoadError (with the reason) on a bad model."""
        self.descriptor = codec.decode_descriptor(descriptor_bytes)
        artifact = materialize(self.descriptor)
        try:
            runtime = create_runtime(self.descriptor.format, use_gpu=self.descriptor.resources.num_gpus > 0)
            runtime.load(artifact)
        finally:
            release(artifact)
        self._runtime = runtime
        self._core = ScoringCore(self.descriptor, runtime)

    def ready(self) -> bool:
        return True

    def score(self, requests: list[bytes], queued_us: int) -> list[bytes]:
        """Scores for recorded requests, in their order. Their deadlines passed long ago,
        so they are dropped here: a live replica skips expired requests."""
        decoded = [replace(codec.decode_request(r), deadline_ms=0) for r in requests]
        return [codec.encode_score(s) for s in self._core.score(decoded, queued_us)]

    def stop(self) -> None:
        self._runtime.unload()
