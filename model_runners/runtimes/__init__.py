"""Runtimes are plug-ins named by format (common.descriptors.RUNTIMES) and imported on
first use, so only a runner that serves a TensorFlow model ever imports TensorFlow."""
from __future__ import annotations

from common import plugins
from common.descriptors import RUNTIMES
from model_runners.runtimes.base import ModelLoadError, Runtime


def create_runtime(fmt: str, *, use_gpu: bool = False) -> Runtime:
    """A fresh runtime for a format; an unknown one raises an error listing the valid ones."""
    try:
        cls = plugins.lookup(RUNTIMES, fmt, "format")
    except plugins.UnknownPlugin:
        raise ModelLoadError(f"unsupported format {fmt!r}; supported: {', '.join(sorted(RUNTIMES))}") from None
    return cls(use_gpu=use_gpu)
