"""Runtimes are plug-ins named by format and imported on first use, so only a runner
that serves a TensorFlow model ever imports TensorFlow."""
from __future__ import annotations

import importlib

from model_runners.runtimes.base import ModelLoadError, Runtime

REGISTRY: dict[str, str] = {
    "onnx": "model_runners.runtimes.onnx:OnnxRuntime",
    "pmml": "model_runners.runtimes.pmml:PmmlRuntime",
    "tensorflow": "model_runners.runtimes.tensorflow:TensorflowRuntime",
}


def create_runtime(fmt: str, *, use_gpu: bool = False) -> Runtime:
    """A fresh runtime for a format; an unknown one raises an error listing the valid ones."""
    try:
        target = REGISTRY[fmt]
    except KeyError:
        raise ModelLoadError(f"unsupported format {fmt!r}; supported: {', '.join(sorted(REGISTRY))}") from None
    module_name, class_name = target.split(":")
    return getattr(importlib.import_module(module_name), class_name)(use_gpu=use_gpu)
