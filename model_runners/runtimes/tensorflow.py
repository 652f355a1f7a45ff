"""TensorFlow SavedModels, called through their serving_default signature: a concrete
function, ~0.15-0.6 ms a call. Never model.predict (~56 ms a call) nor Keras eager
(~2 ms), docs/facts.md. TensorFlow is imported inside load(), so only a runner that serves
a TensorFlow model pays its ~2-7 s import and its memory.

Outputs: a probabilities-like 2-D output makes a classification (label from a
'label'/'classes' output if there is one, else the argmax index, like sklearn's ONNX
labels); anything else is a regression, every output's values in name order."""
from __future__ import annotations

import logging
import os
from typing import Sequence

import numpy as np

from common.domain import Output
from model_runners.runtimes.base import (Artifact, ModelLoadError, Prediction, RowError,
                                         classification)

log = logging.getLogger(__name__)

LABEL_OUTPUTS = ("label", "labels", "classes", "class_ids")


def import_tensorflow(use_gpu: bool):
    """Import TF with small thread pools and, unless asked and present, no GPU. These are
    process-wide and fixed at TF's first op, so a later model keeps the first one's."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    try:
        tf.config.threading.set_intra_op_parallelism_threads(1)  # small models: threads only contend
        tf.config.threading.set_inter_op_parallelism_threads(1)
        if not (use_gpu and gpus):
            tf.config.set_visible_devices([], "GPU")
    except RuntimeError as exc:  # already initialized by an earlier model in this process
        log.debug("TensorFlow already configured: %s", exc)
    return tf, "/GPU:0" if use_gpu and tf.config.get_visible_devices("GPU") else "/CPU:0"


def looks_like_probabilities(name: str, values: np.ndarray) -> bool:
    if values.ndim != 2 or values.shape[1] < 2 or not np.issubdtype(values.dtype, np.floating):
        return False
    if any(hint in name.lower() for hint in ("prob", "softmax")):
        return True
    return bool(np.all((values >= 0) & (values <= 1)) and np.allclose(values.sum(axis=1), 1, atol=1e-3))


class TensorflowRuntime:
    unpacks_archive = True  # a SavedModel travels as a .tar.gz or .zip

    def __init__(self, use_gpu: bool = False):
        self._use_gpu = use_gpu
        self._tf = self._model = self._serve = None
        self._input, self._dtype, self._device = "", np.float32, "/CPU:0"
        self._width = 0
        self._probabilities: str | None = None
        self._label: str | None = None
        self._mapped = False
        self.provider = "CPU"

    @property
    def input_width(self) -> int:
        return self._width

    def load(self, artifact: Artifact) -> None:
        self._tf, self._device = import_tensorflow(self._use_gpu)
        self.provider = self._device.strip("/").split(":")[0]
        if not os.path.isdir(artifact.path):
            raise ModelLoadError("a TensorFlow model must be a SavedModel directory (publish it as .tar.gz or .zip)")
        try:
            self._model = self._tf.saved_model.load(artifact.path)  # keep it: it owns the variables
        except Exception as exc:
            raise ModelLoadError(f"TensorFlow could not load the SavedModel: {exc}") from exc
        self._serve = self._model.signatures.get("serving_default")
        if self._serve is None:
            raise ModelLoadError(f"the SavedModel has no serving_default signature "
                                 f"(it has: {', '.join(self._model.signatures) or 'none'})")
        self._read_input_spec(len(artifact.descriptor.input_schema))
        if self._width:  # warm up (the first call traces) and learn the outputs' shape
            self._map_outputs(self._call(np.zeros((1, self._width), self._dtype)))
        log.info("loaded %s on %s", artifact.descriptor.key, self.provider)

    def _read_input_spec(self, schema_width: int) -> None:
        inputs = self._serve.structured_input_signature[1]
        if len(inputs) != 1:
            raise ModelLoadError(f"serving_default must take one input tensor; it takes {', '.join(inputs)}")
        self._input, spec = next(iter(inputs.items()))
        if not spec.dtype.is_floating:
            raise ModelLoadError(f"input {self._input!r} is {spec.dtype.name}; only float inputs are supported")
        self._dtype = spec.dtype.as_numpy_dtype
        model_width = spec.shape[-1] if spec.shape.rank == 2 else None
        if schema_width and model_width and schema_width != model_width:
            raise ModelLoadError(f"input_schema has {schema_width} features; the model takes {model_width}")
        self._width = model_width or schema_width

    def _map_outputs(self, outputs: dict[str, np.ndarray]) -> None:
        self._probabilities = next((k for k in sorted(outputs) if looks_like_probabilities(k, outputs[k])), None)
        self._label = next((k for k in LABEL_OUTPUTS if k in outputs), None)
        self._mapped = True

    def _call(self, batch: np.ndarray) -> dict[str, np.ndarray]:
        with self._tf.device(self._device):
            outputs = self._serve(**{self._input: self._tf.constant(batch)})
        return {name: tensor.numpy() for name, tensor in outputs.items()}

    def score_batch(self, rows: Sequence[Sequence[float]]) -> list[Prediction | RowError]:
        try:
            return self._predictions(self._call(np.asarray(rows, dtype=self._dtype)), len(rows))
        except Exception as exc:  # a bad batch fails every row, with the reason
            return [RowError(f"TensorFlow: {exc}")] * len(rows)

    def _predictions(self, outputs: dict[str, np.ndarray], count: int) -> list[Prediction]:
        if not self._mapped:
            self._map_outputs(outputs)  # no warm-up was possible: map from the first real batch
        if self._probabilities or self._label:
            probabilities = outputs[self._probabilities] if self._probabilities else np.zeros((count, 0))
            return classification(self._labels(outputs, probabilities), probabilities)
        columns = [outputs[k].reshape(count, -1) for k in sorted(outputs)
                   if np.issubdtype(outputs[k].dtype, np.number)]
        return [Prediction(Output("", tuple(float(v) for v in row))) for row in np.hstack(columns)]

    def _labels(self, outputs: dict[str, np.ndarray], probabilities: np.ndarray) -> list[str]:
        best = probabilities.argmax(axis=1) if probabilities.shape[1] else np.zeros(len(probabilities), int)
        if self._label is None:
            return [str(i) for i in best]
        labels = outputs[self._label].reshape(len(best), -1)
        # One label per row, or (TF Estimator style) every class name per row: take the best one.
        picked = labels[:, 0] if labels.shape[1] == 1 else labels[np.arange(len(best)), best]
        return [v.decode() if isinstance(v, bytes) else str(v) for v in picked]

    def unload(self) -> None:
        self._serve = self._model = None
