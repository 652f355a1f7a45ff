"""Runtimes are plug-ins named by format (common.descriptors.RUNTIMES) and imported on
first use, so only a runner that serves a TensorFlow model ever imports TensorFlow."""
from __future__ import annotations

from common import plugins
from common.descriptors import RUNTIMES
from model_runners.runtimes.base import ModelLoadError, Runtime


def runtime_class(fmt: str) -> type:
    """The runtime class of a format (its module imported, its libraries not yet: those
    load in load()); an unknown format raises an error listing the valid ones."""
    try:
        return plugins.lookup(RUNTIMES, fmt, "format")
    except plugins.UnknownPlugin:
        raise ModelLoadError(f"unsupported format {fmt!r}; supported: {', '.join(sorted(RUNTIMES))}") from None


def create_runtime(fmt: str, *, use_gpu: bool = False) -> Runtime:
    """A fresh runtime for a format."""
    return runtime_class(fmt)(use_gpu=use_gpu)
