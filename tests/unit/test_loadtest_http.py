"""The raw HTTP/1.1 client and the HTTP transport, against loopback servers."""

import asyncio

import pytest

from loadtest.config import RunConfig
from tests.fake_server import FakeServer
from loadtest.http_transport import HttpTransport, outcome_from_response
from loadtest.http_wire import ConnectionPool, HttpResponse
from loadtest.transport import Record, Transport, load_transport

pytestmark = pytest.mark.timeout(30)

HEAD = b"POST /v1/predict/iris HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n"
JSON_OK = b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}'


async def scripted_server(script: list):
    """Answers requests, across connections, with ``(reply_bytes, close_after)`` in order."""

    async def handle(reader, writer):
        try:
            while script:
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                await reader.readexactly(length)
                reply, close_after = script.pop(0)
                writer.write(reply)
                await writer.drain()
                if close_after:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return server, f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"


def exchange_all(script, requests=1):
    async def scenario():
        server, url = await scripted_server(script)
        pool = ConnectionPool(url, size=1)
        try:
            return [await pool.request(HEAD, b"{}") for _ in range(requests)]
        finally:
            await pool.close()
            server.close()

    return asyncio.run(scenario())


def test_content_length_and_keep_alive():
    responses = exchange_all([(JSON_OK, False), (JSON_OK, False)], requests=2)
    assert [(r.status, r.body) for r in responses] == [(200, b"{}"), (200, b"{}")]


def test_chunked_body_with_trailer():
    reply = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
             b"4\r\n{\"a\"\r\n3;ext=1\r\n:1}\r\n0\r\nX-Trailer: t\r\n\r\n")
    (response,) = exchange_all([(reply, False)])
    assert response.body == b'{"a":1}'


def test_read_to_close_body():
    (response,) = exchange_all([(b"HTTP/1.0 503 Busy\r\nRetry-After: 1\r\n\r\nbusy", True)])
    assert (response.status, response.body, response.headers[b"retry-after"]) == (503, b"busy", b"1")


def test_reused_connection_closed_by_server_is_retried_once():
    # The server closes after the first answer without saying so; the second
    # request finds a dead keep-alive connection and goes out on a new one.
    responses = exchange_all([(JSON_OK, True), (JSON_OK, False)], requests=2)
    assert [r.status for r in responses] == [200, 200]


def test_half_an_answer_is_not_retried():
    with pytest.raises(asyncio.IncompleteReadError):
        exchange_all([(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{}", True), (JSON_OK, False)])


def test_http_transport_against_the_fake_server():
    server = FakeServer().start()
    record = Record("client-1", "iris", [5.1, 3.5, 1.4, 0.2], deadline_ms=250)

    async def scenario(base_url):
        transport = HttpTransport(RunConfig(base_url=base_url, connections=2))
        assert isinstance(transport, Transport)
        await transport.open()
        try:
            return await transport.send(record)
        finally:
            await transport.close()

    try:
        outcome = asyncio.run(scenario(server.base_url))
        missing = asyncio.run(scenario(server.base_url + "/elsewhere"))
    finally:
        server.stop()
    assert (outcome.status, outcome.model_name, outcome.model_version) == (200, "iris-fake", "1")
    assert outcome.reason == "first"
    assert outcome.request_id and outcome.latency_ms > 0 and outcome.error is None
    assert server.idempotency_keys[0] == b"client-1"
    assert missing.status == 404 and "unknown data type" in missing.error


def test_http_transport_gives_up_after_its_timeout():
    server = FakeServer(delay_ms=1000).start()

    async def scenario():
        transport = HttpTransport(RunConfig(base_url=server.base_url, timeout_s=0.1))
        try:
            return await transport.send(Record("c", "iris", [1.0, 2.0, 3.0, 4.0]))
        finally:
            await transport.close()

    try:
        outcome = asyncio.run(scenario())
    finally:
        server.stop()
    assert outcome.status == "error" and "no answer within 0.1s" in outcome.error


def test_http_transport_reports_refused_connections():
    async def scenario():
        transport = HttpTransport(RunConfig(base_url="http://127.0.0.1:9", timeout_s=2))
        return await transport.send(Record("c", "iris", [1.0, 2.0, 3.0, 4.0]))

    outcome = asyncio.run(scenario())
    assert outcome.status == "error" and outcome.error


TIMEOUT_BODY = '{"request_id": "r1", "reason": "timeout"}'


@pytest.mark.parametrize("status, body, expected", [
    (504, TIMEOUT_BODY.encode(), ("r1", "timeout", None, TIMEOUT_BODY)),  # error bodies are kept
    (429, b"slow down", (None, None, None, "slow down")),
    (200, b"[1, 2]", (None, None, None, None)),
    (200, b'{"request_id": "r2", "model": {"name": "m", "version": "7"}, "reason": "backstop"}',
     ("r2", "backstop", "7", None)),
])
def test_outcome_from_response(status, body, expected):
    outcome = outcome_from_response(HttpResponse(status, {}, body), 1.0, 1.5)
    assert (outcome.request_id, outcome.reason, outcome.model_version, outcome.error) == expected
    assert outcome.status == status and outcome.latency_ms == 500.0


@pytest.mark.parametrize("body, expected", [
    (b'{"request_id": "r", "latency_ms": 12.5}', 12.5),
    (b'{"request_id": "r", "latency_ms": "soon"}', None),  # not a number: not the platform's figure
    (b'{"detail": "busy"}', None),
    (b"not json", None),
])
def test_the_platforms_own_latency_is_kept_apart_from_the_clients(body, expected):
    assert outcome_from_response(HttpResponse(200, {}, body), 1.0, 1.5).platform_ms == expected


def test_unknown_transport_lists_the_valid_ones():
    with pytest.raises(ValueError, match="valid transports: http, kafka"):
        load_transport("carrier-pigeon", RunConfig())


def test_base_url_must_be_http():
    with pytest.raises(ValueError, match="base URL"):
        HttpTransport(RunConfig(base_url="ftp://example"))


def test_several_gateways_are_taken_in_turn():
    first, second = FakeServer().start(), FakeServer().start()

    async def scenario():
        transport = HttpTransport(RunConfig(base_url=f"{first.base_url},{second.base_url}", connections=2))
        try:
            return [await transport.send(Record(f"c{i}", "iris", [1.0, 2.0, 3.0, 4.0])) for i in range(5)]
        finally:
            await transport.close()

    try:
        outcomes = asyncio.run(scenario())
    finally:
        first.stop()
        second.stop()
    assert [o.status for o in outcomes] == [200] * 5
    assert (first.received, second.received) == (3, 2)
    assert first.idempotency_keys == [b"c0", b"c2", b"c4"] and second.idempotency_keys == [b"c1", b"c3"]
