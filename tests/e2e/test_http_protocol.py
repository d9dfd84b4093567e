"""HTTP/1.1 framing through the mTLS listener, with exact bytes sent over Python TLS sockets.

Request smuggling vectors (Content-Length together with Transfer-Encoding, differing
Content-Length values, invalid chunk sizes, obsolete line folding, whitespace before the
colon, an invalid request line) get 400 and a closed connection. A request line over 8 KiB
or a header block over 64 KiB gets 431. In every case the second request hidden in the bytes
never reaches the backend. Keep-alive, pipelining, 100-continue, chunked bodies in both
directions, HEAD and 204 keep the connection usable.
"""

import hashlib

import pytest

from support.backend import pattern_bytes
from support.clients import RawClient
from support.config import member, mtls_config
from support.ports import free_port

SMUGGLED = b"GET /smuggled HTTP/1.1\r\nHost: e2e.test\r\n\r\n"
MAX_ERROR_BODY = 512

# (case, bytes sent, whether the backend may see the first request's head). A head that is
# valid by itself may already be forwarded before the invalid body arrives.
MALFORMED = [
    ("content_length_and_chunked",
     b"POST /upload HTTP/1.1\r\nHost: e2e.test\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
     b"0\r\n\r\n" + SMUGGLED, False),
    ("chunked_and_content_length",
     b"POST /upload HTTP/1.1\r\nHost: e2e.test\r\nTransfer-Encoding: chunked\r\nContent-Length: 48\r\n\r\n"
     b"0\r\n\r\n" + SMUGGLED, False),
    ("differing_content_lengths",
     b"POST /upload HTTP/1.1\r\nHost: e2e.test\r\nContent-Length: 5\r\nContent-Length: 48\r\n\r\n"
     b"hello" + SMUGGLED, False),
    ("chunk_size_not_hex",
     b"POST /upload HTTP/1.1\r\nHost: e2e.test\r\nTransfer-Encoding: chunked\r\n\r\n"
     b"zz\r\nhello\r\n0\r\n\r\n" + SMUGGLED, True),
    ("chunk_size_negative",
     b"POST /upload HTTP/1.1\r\nHost: e2e.test\r\nTransfer-Encoding: chunked\r\n\r\n"
     b"-5\r\nhello\r\n0\r\n\r\n" + SMUGGLED, True),
    ("chunk_size_overflow",
     b"POST /upload HTTP/1.1\r\nHost: e2e.test\r\nTransfer-Encoding: chunked\r\n\r\n"
     b"10000000000000005\r\nhello\r\n0\r\n\r\n" + SMUGGLED, True),
    ("obsolete_line_folding",
     b"GET /echo HTTP/1.1\r\nHost: e2e.test\r\nX-Folded: first\r\n second\r\n\r\n" + SMUGGLED, False),
    ("whitespace_before_colon",
     b"POST /upload HTTP/1.1\r\nHost: e2e.test\r\nTransfer-Encoding : chunked\r\nContent-Length: 5\r\n\r\n"
     b"0\r\n\r\n" + SMUGGLED, False),
    ("invalid_request_line",
     b"NOT A REQUEST LINE\r\nHost: e2e.test\r\n\r\n" + SMUGGLED, False),
]


@pytest.fixture
def listener(tollgate, start_backend, guide_sha256):
    """Start the mTLS listener; return a function that opens a RawClient to it, and the backend."""
    backend = start_backend("app-1")
    port = free_port()
    tollgate(mtls_config(guide_sha256.root, port, [member(backend.port)]), [port])

    def connect():
        return RawClient(port, cert=guide_sha256.client.cert, key=guide_sha256.client.key)

    return connect, backend


def assert_rejected_and_closed(client, status):
    response = client.read_response()
    assert response.status == status
    assert (response.header("Connection") or "").lower() == "close"
    assert len(response.body) < MAX_ERROR_BODY
    assert client.read_until_close() == b"", "data followed the error response"


@pytest.mark.parametrize("case, data, head_may_arrive", MALFORMED, ids=[case[0] for case in MALFORMED])
def test_protocol_malformed_rejected(case, data, head_may_arrive, listener):
    connect, backend = listener

    with connect() as client:
        client.send(data)
        assert_rejected_and_closed(client, 400)

    paths = backend.paths()
    assert "/smuggled" not in paths
    if not head_may_arrive:
        assert paths == []


def test_protocol_request_line_too_long(listener):
    connect, backend = listener

    with connect() as client:
        client.send(b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: e2e.test\r\n\r\n" + SMUGGLED)
        assert_rejected_and_closed(client, 431)

    assert backend.paths() == []


def test_protocol_header_block_too_large(listener):
    connect, backend = listener
    headers = b"".join(b"X-Filler-%d: %s\r\n" % (index, b"b" * 1000) for index in range(70))

    with connect() as client:
        client.send(b"GET /echo HTTP/1.1\r\nHost: e2e.test\r\n" + headers + b"\r\n" + SMUGGLED)
        assert_rejected_and_closed(client, 431)

    assert backend.paths() == []


def test_protocol_long_request_line_within_limit(listener):
    connect, backend = listener
    path = "/echo?" + "a" * 7000

    with connect() as client:
        response = client.request("GET", path)

    assert response.status == 200
    assert backend.paths() == [path]


def test_protocol_large_header_block_within_limit(listener):
    connect, backend = listener
    headers = [f"X-Filler-{index}: {'b' * 1000}" for index in range(40)]

    with connect() as client:
        response = client.request("GET", "/echo", headers)

    assert response.status == 200
    assert len(response.json()["headers"]) >= 40


def test_protocol_keep_alive_sequential(listener):
    connect, backend = listener

    with connect() as client:
        statuses = [client.request("GET", f"/echo?n={index}").status for index in range(5)]
        uploaded = client.request("POST", "/upload", body=b"x" * 1000)
        last = client.request("GET", "/echo?n=last")

    assert statuses == [200] * 5
    assert uploaded.json()["bytes"] == 1000
    assert last.status == 200
    assert backend.paths() == [*(f"/echo?n={index}" for index in range(5)), "/upload", "/echo?n=last"]


def test_protocol_pipelined_in_order(listener):
    connect, _ = listener

    with connect() as client:
        client.send(b"".join(b"GET /echo?n=%d HTTP/1.1\r\nHost: e2e.test\r\n\r\n" % index for index in range(4)))
        responses = [client.read_response() for _ in range(4)]

    assert [response.status for response in responses] == [200] * 4
    assert [response.json()["path"] for response in responses] == [f"/echo?n={index}" for index in range(4)]


def test_protocol_expect_100_continue(listener):
    connect, _ = listener
    body = b"hello world"

    with connect() as client:
        client.send(b"POST /upload HTTP/1.1\r\nHost: e2e.test\r\nExpect: 100-continue\r\n"
                    b"Content-Length: %d\r\n\r\n" % len(body))
        interim = client.read_interim()
        client.send(body)
        response = client.read_response()

    assert interim == 100
    assert response.status == 200
    assert response.json() == {"bytes": len(body), "sha256": hashlib.sha256(body).hexdigest()}


def test_protocol_chunked_upload(listener):
    connect, backend = listener
    pieces = [b"a" * 1, b"b" * 4096, b"c" * 70000, b"d" * 3]
    encoded = b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces) + b"0\r\n\r\n"
    body = b"".join(pieces)

    with connect() as client:
        client.send(b"POST /upload HTTP/1.1\r\nHost: e2e.test\r\nTransfer-Encoding: chunked\r\n\r\n" + encoded)
        response = client.read_response()
        after = client.request("GET", "/echo")

    assert response.status == 200
    assert response.json() == {"bytes": len(body), "sha256": hashlib.sha256(body).hexdigest()}
    assert after.status == 200
    assert backend.paths() == ["/upload", "/echo"]


@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "content_length"])
def test_protocol_download(chunked, listener):
    connect, _ = listener
    size = 300_000

    with connect() as client:
        response = client.request("GET", f"/download?bytes={size}&chunked={int(chunked)}")
        after = client.request("GET", "/echo")

    assert response.status == 200
    assert response.body == b"".join(pattern_bytes(size))
    assert after.status == 200


def test_protocol_head_has_no_body(listener):
    connect, _ = listener

    with connect() as client:
        response = client.request("HEAD", "/download?bytes=1000")
        after = client.request("GET", "/echo?after=head")

    assert response.status == 200
    assert response.header("Content-Length") == "1000"
    assert after.status == 200
    assert after.json()["path"] == "/echo?after=head"


def test_protocol_204_has_no_body(listener):
    connect, _ = listener

    with connect() as client:
        response = client.request("GET", "/status/204")
        after = client.request("GET", "/echo?after=204")

    assert response.status == 204
    assert response.body == b""
    assert after.status == 200
    assert after.json()["path"] == "/echo?after=204"
