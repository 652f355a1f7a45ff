"""A service process turns SIGTERM into a graceful stop() while run() blocks."""
import os
import signal
import threading

import pytest

from common.entrypoint import serve
from common.metrics import process_registry

pytestmark = pytest.mark.timeout(10)


class BlockingService:
    def __init__(self):
        self.stopped = threading.Event()
        self.metrics_registry = process_registry()

    def run(self) -> None:
        os.kill(os.getpid(), signal.SIGTERM)  # as `stack up` or an orchestrator would
        assert self.stopped.wait(5), "SIGTERM did not stop the service"

    def stop(self) -> None:
        self.stopped.set()


@pytest.fixture
def restore_signal_handlers():
    saved = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def test_sigterm_stops_the_service_it_built(restore_signal_handlers, monkeypatch):
    monkeypatch.setenv("METRICS_PORT", "0")  # its /metrics on a free port, not the default
    built = []
    serve("test", lambda infra: built.append(BlockingService()) or built[-1])
    assert built[0].stopped.is_set()
