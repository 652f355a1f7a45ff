"""ONNX Runtime: one session per model version, one thread per session (small models
run in microseconds; threads only add contention on a small machine, docs/facts.md)."""
from __future__ import annotations

import logging
from typing import Sequence

import numpy as np

from common.domain import Output
from model_runners.runtimes.base import (Artifact, ModelLoadError, Prediction, RowError,
                                         classification)

log = logging.getLogger(__name__)


def reject_external_data(path: str) -> None:
    """A model that points at external files could read anything on the host."""
    import onnx
    from onnx.external_data_helper import uses_external_data

    try:
        model = onnx.load(path, load_external_data=False)
    except Exception as exc:
        raise ModelLoadError(f"not a valid ONNX model: {exc}") from exc
    tensors = list(model.graph.initializer)
    for node in model.graph.node:
        tensors.extend(a.t for a in node.attribute if a.HasField("t"))
    if any(uses_external_data(t) for t in tensors):
        raise ModelLoadError("ONNX models with external data are not accepted")


class OnnxRuntime:
    unpacks_archive = False

    def __init__(self, use_gpu: bool = False):
        self._use_gpu = use_gpu
        self._session = None
        self._input_name = ""
        self.provider = "CPUExecutionProvider"

    def load(self, artifact: Artifact) -> None:
        import onnxruntime as ort

        reject_external_data(artifact.path)
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        providers = ["CPUExecutionProvider"]
        if self._use_gpu and "CUDAExecutionProvider" in ort.get_available_providers():
            providers.insert(0, "CUDAExecutionProvider")
        try:
            self._session = ort.InferenceSession(artifact.path, options, providers=providers)
        except Exception as exc:
            raise ModelLoadError(f"ONNX Runtime could not load the model: {exc}") from exc
        self.provider = self._session.get_providers()[0]
        self._input_name = self._session.get_inputs()[0].name
        log.info("loaded %s on %s", artifact.descriptor.key, self.provider)

    def score_batch(self, rows: Sequence[Sequence[float]]) -> list[Prediction | RowError]:
        batch = np.asarray(rows, dtype=np.float32)
        try:
            outputs = self._session.run(None, {self._input_name: batch})
        except Exception as exc:  # a bad batch fails every row, with the reason
            return [RowError(f"ONNX Runtime: {exc}")] * len(rows)
        if len(outputs) >= 2:  # classifier: labels, then per-class probabilities
            return classification(outputs[0], outputs[1])
        return [Prediction(Output("", tuple(float(v) for v in np.atleast_1d(row)))) for row in outputs[0]]

    def unload(self) -> None:
        self._session = None
