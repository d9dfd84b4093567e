"""Client authentication modes other than mandatory.

With `optional`, a client without a certificate is forwarded with clientverify NONE, a client
with a valid certificate with SUCCESS, and an invalid certificate is still rejected in the
handshake. With `none` and no CA configured, the listener is plain HTTPS.
"""

import pytest

from support.backend import header_values
from support.clients import curl
from support.config import config_text, guide_certificates, https_listener, member, mtls_config
from support.ports import free_port


def none_config(guide, port, backend):
    """Return a configuration whose listener requests no client certificate and has no client CA."""
    return config_text([https_listener(port, client_authentication="none")], [member(backend.port)],
                       guide_certificates(guide.root, client_ca=False))


@pytest.fixture
def optional_listener(tollgate, start_backend, guide_sha256):
    backend = start_backend("app-1")
    port = free_port()
    config = mtls_config(guide_sha256.root, port, [member(backend.port)], client_authentication="optional",
                         insert_headers={"X-Forwarded-Clientcert-clientverify-enable": True,
                                         "X-Forwarded-Clientcert-subjectdn-enable": True})
    process = tollgate(config, [port])
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
    tollgate(none_config(guide_sha256, port, backend), [port])

    result = curl(f"https://127.0.0.1:{port}/echo")

    assert result.exit_code == 0, result.stderr
    assert result.status == 200
    assert result.header("X-Backend-Name") == "app-1"
    assert backend.paths() == ["/echo"]


def test_none_ignores_client_certificate(tollgate, start_backend, guide_sha256, defective):
    backend = start_backend("app-1")
    port = free_port()
    tollgate(none_config(guide_sha256, port, backend), [port])

    # The listener requests no certificate, so the client never sends this expired one.
    result = curl(f"https://127.0.0.1:{port}/echo", cert=defective.expired_client.cert,
                  key=defective.expired_client.key)

    assert result.exit_code == 0, result.stderr
    assert result.status == 200
