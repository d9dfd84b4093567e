"""Error responses that tollgate generates itself, on a plain HTTP listener.

  502  every member refuses connections
  503  no member can take the request: an empty pool, all weights 0, no default pool
  504  the member sends no response head within member_timeout
  408  the client stops sending its request head or body for longer than client_timeout
A connect failure before anything was sent is retried on another member, so one dead
member among live ones costs no request. Error bodies are short text.
"""

import time

import pytest

from support.clients import RawClient, curl
from support.config import config_text, listener, member
from support.ports import free_port

MAX_ERROR_BODY = 512


def start(tollgate, members, default_pool=True):
    """Start a plain HTTP listener with 1 s member and client timeouts in front of `members`, and return its port."""
    port = free_port()
    web = listener(port, default_pool_id="app" if default_pool else None, member_timeout=1, client_timeout=1)
    tollgate(config_text([web], members), [port])
    return port


def send_incomplete_request(port, data):
    """Send `data` over plain HTTP, then read the response and every byte that follows it until the close."""
    with RawClient(port, tls=False) as client:
        client.send(data)
        response = client.read_response()
        rest = client.read_until_close()
    return response, rest


def assert_short_error(result, status):
    assert result.exit_code == 0, result.stderr
    assert result.status == status
    assert 0 < len(result.body) < MAX_ERROR_BODY
    assert result.header("X-Backend-Name") is None


def test_error_502_member_refuses(tollgate):
    dead_port = free_port()
    port = start(tollgate, [member(dead_port)])

    result = curl(f"http://127.0.0.1:{port}/echo")

    assert_short_error(result, 502)


def test_error_retry_skips_dead_member(tollgate, start_backend):
    backend = start_backend("live")
    dead_port = free_port()
    port = start(tollgate, [member(dead_port), member(backend.port)])

    statuses = [curl(f"http://127.0.0.1:{port}/echo?n={index}").status for index in range(10)]

    assert statuses == [200] * 10
    assert len(backend.paths()) == 10


def test_error_503_empty_pool(tollgate):
    port = start(tollgate, [])

    assert_short_error(curl(f"http://127.0.0.1:{port}/echo"), 503)


def test_error_503_all_weights_zero(tollgate, start_backend):
    backend = start_backend("idle")
    port = start(tollgate, [member(backend.port, weight=0)])

    assert_short_error(curl(f"http://127.0.0.1:{port}/echo"), 503)
    assert backend.requests() == []


def test_error_503_no_default_pool(tollgate, start_backend):
    backend = start_backend("unused")
    port = start(tollgate, [member(backend.port)], default_pool=False)

    assert_short_error(curl(f"http://127.0.0.1:{port}/echo"), 503)
    assert backend.requests() == []


def test_error_504_member_timeout(tollgate, start_backend):
    backend = start_backend("slow")
    port = start(tollgate, [member(backend.port)])

    started = time.monotonic()
    result = curl(f"http://127.0.0.1:{port}/slow?seconds=6")
    elapsed = time.monotonic() - started

    assert_short_error(result, 504)
    assert elapsed < 5, f"504 after {elapsed:.1f} s with member_timeout 1 s"
    assert backend.paths() == ["/slow?seconds=6"]


def test_error_408_client_timeout(tollgate, start_backend):
    backend = start_backend("app-1")
    port = start(tollgate, [member(backend.port)])

    response, rest = send_incomplete_request(port, b"GET /echo HTTP/1.1\r\nHost: e2e.te")

    assert response.status == 408
    assert len(response.body) < MAX_ERROR_BODY
    assert (response.header("Connection") or "").lower() == "close"
    assert rest == b""
    assert backend.requests() == []


def test_error_408_body_stalls(tollgate, start_backend):
    backend = start_backend("app-1")
    port = start(tollgate, [member(backend.port)])

    response, rest = send_incomplete_request(
        port, b"POST /upload HTTP/1.1\r\nHost: e2e.test\r\nContent-Length: 10\r\n\r\nabc")

    assert response.status == 408
    assert len(response.body) < MAX_ERROR_BODY
    assert rest == b""


@pytest.mark.parametrize("status", [404, 500, 503])
def test_error_backend_status_passed_through(status, tollgate, start_backend):
    backend = start_backend("app-1")
    port = start(tollgate, [member(backend.port)])

    result = curl(f"http://127.0.0.1:{port}/status/{status}")

    assert result.status == status
    assert result.header("X-Backend-Name") == "app-1"
    assert result.body == f"status {status}\n".encode()
