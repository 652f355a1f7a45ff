"""The transport-neutral runner core: requests in, scores out, for one model version.

It maps named features to the model's input order, scores the whole micro-batch in
one runtime call, and turns every failure into a score that carries the error, so
the rendezvous always hears from every model."""
from __future__ import annotations

from typing import Sequence

from common.clock import now_us
from common.descriptors import ModelDescriptor
from common.domain import Request, Score
from model_runners.runtimes.base import Prediction, Runtime


def expired(request: Request, now_us: int) -> bool:
    """Past the request's own deadline (requests without one never expire here)."""
    return bool(request.deadline_ms) and now_us > request.enqueued_at_us + request.deadline_ms * 1000


class ScoringCore:
    def __init__(self, descriptor: ModelDescriptor, runtime: Runtime):
        self.descriptor = descriptor
        self._runtime = runtime
        self._feature_names = [f.name for f in descriptor.input_schema]
        self.skipped_expired = 0

    def score(self, requests: Sequence[Request], queued_us: int) -> list[Score]:
        rows, valid, scores = [], [], []
        for request in requests:
            if expired(request, queued_us):
                # Its answer (a timeout) is already decided: scoring it would only deepen a
                # backlog and delay the requests that can still be answered in time.
                self.skipped_expired += 1
                continue
            try:
                rows.append(self._row(request))
                valid.append(request)
            except ValueError as exc:
                scores.append(self._error(request, queued_us, queued_us, str(exc)))
        if not valid:
            return scores
        started = now_us()
        results = self._runtime.score_batch(rows)
        finished = now_us()
        for request, result in zip(valid, results):
            if isinstance(result, Prediction):
                scores.append(Score(request.request_id, request.data_type, self.descriptor.ref, result.output,
                                    result.confidence, queued_us, started, finished))
            else:
                scores.append(self._error(request, started, finished, result.message))
        return scores

    def _row(self, request: Request) -> list[float]:
        named = request.input.named
        if not named:
            values = list(request.input.values)
            if self._feature_names and len(values) != len(self._feature_names):
                raise ValueError(f"expected {len(self._feature_names)} features "
                                 f"({', '.join(self._feature_names)}), got {len(values)}")
            return values
        if not self._feature_names:
            raise ValueError("this model has no input schema: send features as a list")
        missing = [n for n in self._feature_names if n not in named]
        if missing:
            raise ValueError(f"missing features: {', '.join(missing)}")
        return [named[n] for n in self._feature_names]

    def _error(self, request: Request, started: int, finished: int, message: str) -> Score:
        return Score(request.request_id, request.data_type, self.descriptor.ref, queued_us=started,
                     started_us=started, finished_us=finished, error=message)
