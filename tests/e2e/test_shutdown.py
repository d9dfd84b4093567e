"""Graceful shutdown on SIGTERM.

A request in flight when SIGTERM arrives (GET /slow?seconds=2) completes with 200. From
SIGTERM on, new connections are refused. The process exits 0, logs `stopped`, and nothing
listens on its port afterwards.
"""

import signal
import socket
import threading
import time

from support.clients import curl
from support.config import member, mtls_config
from support.ports import assert_not_listening, connection_refused
from support.ports import free_port
from support.settings import TIMEOUT, wait_until


def test_shutdown_drains_in_flight_request(tollgate, start_backend, guide_sha256):
    backend = start_backend("app-1")
    port = free_port()
    process = tollgate(mtls_config(guide_sha256.root, port, [member(backend.port)]), [port])
    results = []
    slow = threading.Thread(target=lambda: results.append(curl(
        f"https://127.0.0.1:{port}/slow?seconds=2", cert=guide_sha256.client.cert, key=guide_sha256.client.key)))
    slow.start()
    wait_until(lambda: "/slow?seconds=2" in backend.paths(), "the slow request to reach the backend")

    process.process.send_signal(signal.SIGTERM)
    wait_until(lambda: connection_refused("127.0.0.1", port), "new connections to be refused after SIGTERM")
    refused_while_in_flight = slow.is_alive()
    slow.join(TIMEOUT)
    code = process.process.wait(TIMEOUT)

    assert refused_while_in_flight, "the slow request had finished before connections were refused"
    assert results[0].exit_code == 0, results[0].stderr
    assert results[0].status == 200
    assert results[0].json()["path"] == "/slow?seconds=2"
    assert code == 0
    assert process.find_lines(r"\bstopped\b")
    assert_not_listening([port])


def test_shutdown_idle_exits_zero(tollgate, start_backend, guide_sha256):
    backend = start_backend("app-1")
    port = free_port()
    process = tollgate(mtls_config(guide_sha256.root, port, [member(backend.port)]), [port])

    code = process.stop()

    assert code == 0
    assert process.find_lines(r"\bstopped\b")
    assert_not_listening([port])


def test_shutdown_does_not_wait_for_handshakes(tollgate, start_backend, guide_sha256):
    # A TCP connection that never sends a ClientHello has no request in flight, so SIGTERM
    # closes it instead of waiting out the 30 s grace period.
    backend = start_backend("app-1")
    port = free_port()
    process = tollgate(mtls_config(guide_sha256.root, port, [member(backend.port)]), [port])
    with socket.create_connection(("127.0.0.1", port)) as silent:
        accepted = rf"c=127\.0\.0\.1:{silent.getsockname()[1]}\] connection accepted"
        wait_until(lambda: process.find_lines(accepted), "tollgate to accept the silent connection")
        started = time.monotonic()
        process.process.send_signal(signal.SIGTERM)
        code = process.process.wait(TIMEOUT)
        elapsed = time.monotonic() - started
        silent.settimeout(TIMEOUT)
        assert silent.recv(1) == b""

    assert code == 0
    assert elapsed < 10, f"SIGTERM took {elapsed:.1f} s with one silent connection open"
    assert not process.find_lines(r"handshake rejected.*reason=other")
