"""Client authentication modes other than mandatory.

With `optional`, a client without a certificate is forwarded with clientverify NONE, a client
with a valid certificate with SUCCESS, and an invalid certificate is still rejected in the
handshake. With `none` and no CA configured, the listener is plain HTTPS.
"""

import pytest

from support.backend import header_values
from support.clients import curl
from support.ports import free_port

OPTIONAL_CONFIG = """
certificates:
  - {{id: srv, type: server, certificate_file: {guide}/server/server.crt, private_key_file: {guide}/server/server.key}}
  - {{id: ca, type: client, certificate_file: {guide}/ca/ca.crt}}
loadbalancers:
  - {{id: lb1, vip_address: 127.0.0.1}}
listeners:
  - id: web
    loadbalancer_id: lb1
    protocol: HTTPS
    protocol_port: {port}
    default_tls_container_ref: srv
    client_ca_tls_container_ref: ca
    client_authentication: optional
    default_pool_id: app
    insert_headers:
      X-Forwarded-Clientcert-clientverify-enable: true
      X-Forwarded-Clientcert-subjectdn-enable: true
pools:
  - id: app
    lb_algorithm: ROUND_ROBIN
    protocol: HTTP
    members: [{{address: 127.0.0.1, protocol_port: {backend_port}, weight: 1}}]
"""

NONE_CONFIG = """
certificates:
  - {{id: srv, type: server, certificate_file: {guide}/server/server.crt, private_key_file: {guide}/server/server.key}}
loadbalancers:
  - {{id: lb1, vip_address: 127.0.0.1}}
listeners:
  - id: web
    loadbalancer_id: lb1
    protocol: HTTPS
    protocol_port: {port}
    default_tls_container_ref: srv
    client_authentication: none
    default_pool_id: app
pools:
  - id: app
    lb_algorithm: ROUND_ROBIN
    protocol: HTTP
    members: [{{address: 127.0.0.1, protocol_port: {backend_port}, weight: 1}}]
"""


@pytest.fixture
def optional_listener(tollgate, start_backend, guide_sha256):
    backend = start_backend("app-1")
    port = free_port()
    process = tollgate(OPTIONAL_CONFIG.format(guide=guide_sha256.root, port=port, backend_port=backend.port), [port])
    return port, backend, process


def test_optional_without_certificate_forwards_none(optional_listener):
    port, backend, _ = optional_listener

    result = curl(f"https://127.0.0.1:{port}/echo")

    assert result.exit_code == 0, result.stderr
    assert result.status == 200
    headers = backend.last_headers()
    assert header_values(headers, "X-Forwarded-Clientcert-clientverify") == ["NONE"]
    assert header_values(headers, "X-Forwarded-Clientcert-subjectdn") == []


def test_optional_valid_certificate_forwards_success(optional_listener, guide_sha256):
    port, backend, _ = optional_listener

    result = curl(f"https://127.0.0.1:{port}/echo", cert=guide_sha256.client.cert, key=guide_sha256.client.key)

    assert result.exit_code == 0, result.stderr
    assert result.status == 200
    headers = backend.last_headers()
    assert header_values(headers, "X-Forwarded-Clientcert-clientverify") == ["SUCCESS"]
    assert header_values(headers, "X-Forwarded-Clientcert-subjectdn") == ["CN=www.test.com,O=ELB"]


@pytest.mark.parametrize("certificate, reason", [
    ("other_ca_client", "unknown_ca"),
    ("expired_client", "cert_expired"),
])
def test_optional_invalid_certificate_rejected(certificate, reason, optional_listener, defective):
    port, backend, process = optional_listener
    client = getattr(defective, certificate)
    client_port = free_port()

    result = curl(f"https://127.0.0.1:{port}/echo", cert=client.cert, key=client.key, local_port=client_port)

    assert result.exit_code in (35, 56), f"curl exit code {result.exit_code}: {result.stderr}"
    assert result.status == 0
    line = process.wait_for_line(rf"handshake rejected .*client=127\.0\.0\.1:{client_port} ")
    assert f" reason={reason} " in line
    assert backend.requests() == []


def test_none_plain_https(tollgate, start_backend, guide_sha256):
    backend = start_backend("app-1")
    port = free_port()
    tollgate(NONE_CONFIG.format(guide=guide_sha256.root, port=port, backend_port=backend.port), [port])

    result = curl(f"https://127.0.0.1:{port}/echo")

    assert result.exit_code == 0, result.stderr
    assert result.status == 200
    assert result.header("X-Backend-Name") == "app-1"
    assert backend.paths() == ["/echo"]


def test_none_ignores_client_certificate(tollgate, start_backend, guide_sha256, defective):
    backend = start_backend("app-1")
    port = free_port()
    tollgate(NONE_CONFIG.format(guide=guide_sha256.root, port=port, backend_port=backend.port), [port])

    # The listener requests no certificate, so the client never sends this expired one.
    result = curl(f"https://127.0.0.1:{port}/echo", cert=defective.expired_client.cert,
                  key=defective.expired_client.key)

    assert result.exit_code == 0, result.stderr
    assert result.status == 200
