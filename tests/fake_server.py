"""A canned-answer predict server, to test the load tool without a platform.

It speaks just enough HTTP/1.1 (keep-alive, Content-Length bodies) to answer
``POST /v1/predict/<data_type>`` with a fresh ``request_id`` each time, and 404
anything else.  Run it in a background thread (``FakeServer().start()``), or as
its own process so it does not share the client's CPU::

    python -m tests.fake_server --port 8000
"""

from __future__ import annotations

import argparse
import asyncio
import threading
import uuid

import orjson

ANSWER_HEAD = b"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"


def predict_answer(data_type: str) -> dict:
    return {
        "request_id": uuid.uuid4().hex,
        "data_type": data_type,
        "output": {"label": "setosa", "values": [0.97, 0.02, 0.01]},
        "model": {"name": "iris-fake", "version": "1"},
        "policy": "first",
        "reason": "first",
        "latency_ms": 0.1,
    }


class FakeServer:
    """Serves on 127.0.0.1, port chosen by the OS unless given."""

    def __init__(self, port: int = 0, delay_ms: float = 0.0) -> None:
        self.port = port
        self.delay_ms = delay_ms
        self.received = 0
        self.idempotency_keys: list[bytes] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def serve(self) -> None:
        """Serve until ``stop``; then end the connection handlers too."""
        self._stop_requested = asyncio.Event()
        server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        async with server:
            await self._stop_requested.wait()
        handlers = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in handlers:
            task.cancel()
        await asyncio.gather(*handlers, return_exceptions=True)

    def start(self) -> FakeServer:
        """Serve from a daemon thread; returns once the port is known."""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout=10):
            raise RuntimeError("fake server did not start")
        return self

    def _run(self) -> None:
        self._loop.run_until_complete(self.serve())
        self._loop.close()

    def stop(self) -> None:
        if self._thread is not None:
            self._loop.call_soon_threadsafe(self._stop_requested.set)
            self._thread.join(timeout=10)
            self._thread = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                request_line, *header_lines = head[:-4].split(b"\r\n")
                headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(b":") for h in header_lines)}
                await reader.readexactly(int(headers.get(b"content-length", b"0")))
                self.received += 1
                self.idempotency_keys.append(headers.get(b"idempotency-key", b""))
                if self.delay_ms:
                    await asyncio.sleep(self.delay_ms / 1000.0)
                writer.write(self._answer(request_line))
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    def _answer(self, request_line: bytes) -> bytes:
        method, path = request_line.split(b" ")[:2]
        if method == b"POST" and path.startswith(b"/v1/predict/"):
            status, phrase, body = 200, b"OK", orjson.dumps(predict_answer(path[12:].decode()))
        else:
            status, phrase, body = 404, b"Not Found", b'{"detail":"unknown data type"}'
        return ANSWER_HEAD % (status, phrase, len(body)) + body


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--delay-ms", type=float, default=0.0, help="wait this long before each answer")
    options = parser.parse_args()
    asyncio.run(FakeServer(options.port, options.delay_ms).serve())
