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
from support.ports import free_port

MAX_ERROR_BODY = 512

LISTENER = """
loadbalancers:
  - {{id: lb1, vip_address: 127.0.0.1}}
listeners:
  - id: web
    loadbalancer_id: lb1
    protocol: HTTP
    protocol_port: {port}
{default_pool}    member_timeout: 1
    client_timeout: 1
pools:
  - id: app
    lb_algorithm: ROUND_ROBIN
    protocol: HTTP
    members: {members}
"""


def start(tollgate, members, default_pool=True):
    port = free_port()
    config = LISTENER.format(port=port, members=members,
                             default_pool="    default_pool_id: app\n" if default_pool else "")
    tollgate(config, [port])
    return port


def member(port, weight=1):
    return f"{{address: 127.0.0.1, protocol_port: {port}, weight: {weight}}}"


def assert_short_error(result, status):
    assert result.exit_code == 0, result.stderr
    assert result.status == status
    assert 0 < len(result.body) < MAX_ERROR_BODY
    assert result.header("X-Backend-Name") is None


def test_error_502_member_refuses(tollgate):
    dead_port = free_port()
    port = start(tollgate, f"[{member(dead_port)}]")

    result = curl(f"http://127.0.0.1:{port}/echo")

    assert_short_error(result, 502)


def test_error_retry_skips_dead_member(tollgate, start_backend):
    backend = start_backend("live")
    dead_port = free_port()
    port = start(tollgate, f"[{member(dead_port)}, {member(backend.port)}]")

    statuses = [curl(f"http://127.0.0.1:{port}/echo?n={index}").status for index in range(10)]

    assert statuses == [200] * 10
    assert len(backend.paths()) == 10


def test_error_503_empty_pool(tollgate):
    port = start(tollgate, "[]")

    assert_short_error(curl(f"http://127.0.0.1:{port}/echo"), 503)


def test_error_503_all_weights_zero(tollgate, start_backend):
    backend = start_backend("idle")
    port = start(tollgate, f"[{member(backend.port, weight=0)}]")

    assert_short_error(curl(f"http://127.0.0.1:{port}/echo"), 503)
    assert backend.requests() == []


def test_error_503_no_default_pool(tollgate, start_backend):
    backend = start_backend("unused")
    port = start(tollgate, f"[{member(backend.port)}]", default_pool=False)

    assert_short_error(curl(f"http://127.0.0.1:{port}/echo"), 503)
    assert backend.requests() == []


def test_error_504_member_timeout(tollgate, start_backend):
    backend = start_backend("slow")
    port = start(tollgate, f"[{member(backend.port)}]")

    started = time.monotonic()
    result = curl(f"http://127.0.0.1:{port}/slow?seconds=6")
    elapsed = time.monotonic() - started

    assert_short_error(result, 504)
    assert elapsed < 5, f"504 after {elapsed:.1f} s with member_timeout 1 s"
    assert backend.paths() == ["/slow?seconds=6"]


def test_error_408_client_timeout(tollgate, start_backend):
    backend = start_backend("app-1")
    port = start(tollgate, f"[{member(backend.port)}]")

    with RawClient(port, tls=False) as client:
        client.send(b"GET /echo HTTP/1.1\r\nHost: e2e.te")
        response = client.read_response()
        rest = client.read_until_close()

    assert response.status == 408
    assert len(response.body) < MAX_ERROR_BODY
    assert (response.header("Connection") or "").lower() == "close"
    assert rest == b""
    assert backend.requests() == []


def test_error_408_body_stalls(tollgate, start_backend):
    backend = start_backend("app-1")
    port = start(tollgate, f"[{member(backend.port)}]")

    with RawClient(port, tls=False) as client:
        client.send(b"POST /upload HTTP/1.1\r\nHost: e2e.test\r\nContent-Length: 10\r\n\r\nabc")
        response = client.read_response()
        rest = client.read_until_close()

    assert response.status == 408
    assert len(response.body) < MAX_ERROR_BODY
    assert rest == b""


@pytest.mark.parametrize("status", [404, 500, 503])
def test_error_backend_status_passed_through(status, tollgate, start_backend):
    backend = start_backend("app-1")
    port = start(tollgate, f"[{member(backend.port)}]")

    result = curl(f"http://127.0.0.1:{port}/status/{status}")

    assert result.status == status
    assert result.header("X-Backend-Name") == "app-1"
    assert result.body == f"status {status}\n".encode()
