"""The runtime contract: a batch-shaped scorer for one model version.

    load(artifact)        once, before any scoring; raises ModelLoadError on a bad model
    score_batch(rows)     same length and order as rows; a failed row is a RowError
    unload()              once, when the version is retired or the replica stops

Rows arrive as lists of floats in the model's input-schema order (ScoringCore maps
named features). Runtimes do no I/O of their own."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence

from common.descriptors import ModelDescriptor
from common.domain import Output
from common.errors import PlatformError


class ModelLoadError(PlatformError):
    """The model can't be loaded; the registry shows this message as the reason."""

    status_code = 422


@dataclass(frozen=True, slots=True)
class Prediction:
    output: Output
    confidence: float = 0.0


@dataclass(frozen=True, slots=True)
class RowError:
    message: str


@dataclass(frozen=True, slots=True)
class Artifact:
    """A model's bytes on local disk: a file, or a directory (an unpacked SavedModel)."""

    path: str
    descriptor: ModelDescriptor


class Runtime(Protocol):
    # True when the artifact is an archive to unpack into a directory (a SavedModel)
    # rather than one file; materialize() reads it from the class.
    unpacks_archive: bool

    def load(self, artifact: Artifact) -> None: ...

    def score_batch(self, rows: Sequence[Sequence[float]]) -> list[Prediction | RowError]: ...

    def unload(self) -> None: ...


def classification(labels: Sequence, probabilities) -> list[Prediction]:
    """Shared by runtimes whose models give a label and per-class probabilities."""
    out = []
    for label, probs in zip(labels, probabilities):
        values = tuple(float(p) for p in probs)
        out.append(Prediction(Output(str(label), values), max(values) if values else 0.0))
    return out
