"""Rejected client certificates on a listener with mandatory mutual authentication.

Each client below presents no certificate or a certificate that must not pass. The
certificates come from another CA, are expired or not valid yet, allow only serverAuth in
extendedKeyUsage, or carry the trusted CA's name but another key's signature. For each,
the TLS handshake fails (curl gets no HTTP status), the backend receives nothing, and
tollgate logs exactly one line for that client:

  handshake rejected listener=web client=127.0.0.1:<port> reason=<code> subject="<subject>" issuer="<issuer>" detail="<sentence>"

openssl s_client shows the TLS alert that OpenSSL sends for the verification error.
"""

import re

import pytest

from support.clients import curl, s_client
from support.config import member, mtls_config
from support.ports import free_port

# (case, attribute of the `defective` fixture or None for no certificate, reason code,
#  TLS 1.3 alert text that OpenSSL 3.0 sends for that verification error)
CASES = [
    ("no_certificate", None, "no_certificate", "alert certificate required"),
    ("other_ca", "other_ca_client", "unknown_ca", "alert unknown ca"),
    ("expired", "expired_client", "cert_expired", "alert certificate expired"),
    ("not_yet_valid", "not_yet_valid_client", "cert_not_yet_valid", "alert bad certificate"),
    ("server_auth_only", "server_auth_client", "bad_purpose", "alert unsupported certificate"),
    ("impostor_ca", "impostor_client", "bad_signature", "alert decrypt error"),
]


@pytest.fixture
def mandatory_listener(tollgate, start_backend, guide_sha256):
    backend = start_backend("app-1")
    port = free_port()
    process = tollgate(mtls_config(guide_sha256.root, port, [member(backend.port)]), [port])
    return port, backend, process


def rejection_lines(process, client_port):
    pattern = (rf'handshake rejected listener=web client=127\.0\.0\.1:{client_port} reason=(\S+) subject="(.*?)" '
               r'issuer="(.*?)" detail="[^"]*"$')
    return [re.search(pattern, line) for line in process.find_lines(pattern)]


@pytest.mark.parametrize("case, certificate, reason, alert", CASES, ids=[case[0] for case in CASES])
def test_refusal_logs_reason(case, certificate, reason, alert, mandatory_listener, defective):
    port, backend, process = mandatory_listener
    client = getattr(defective, certificate) if certificate else None
    client_port = free_port()

    result = curl(f"https://127.0.0.1:{port}/echo", cert=client and client.cert, key=client and client.key,
                  local_port=client_port)

    assert result.exit_code in (35, 56), f"curl exit code {result.exit_code}: {result.stderr}"
    assert result.status == 0
    process.wait_for_line(rf"handshake rejected .*client=127\.0\.0\.1:{client_port} ")
    lines = rejection_lines(process, client_port)
    assert len(lines) == 1, process.find_lines(rf"client=127\.0\.0\.1:{client_port} ")
    assert lines[0].group(1) == reason
    assert lines[0].group(2) == (client.subject if client else "")
    assert (lines[0].group(3) != "") == (client is not None)
    assert backend.requests() == []


@pytest.mark.parametrize("case, certificate, reason, alert", CASES, ids=[case[0] for case in CASES])
def test_refusal_tls13_alert(case, certificate, reason, alert, mandatory_listener, defective):
    port, backend, _ = mandatory_listener
    client = getattr(defective, certificate) if certificate else None

    _, output = s_client(port, cert=client and client.cert, key=client and client.key, tls_version="-tls1_3")

    assert alert in output, output
    assert "HTTP/1.1" not in output
    assert backend.requests() == []


def test_refusal_tls12_no_certificate_alert(mandatory_listener):
    port, backend, _ = mandatory_listener

    _, output = s_client(port, tls_version="-tls1_2")

    assert "alert handshake failure" in output, output
    assert backend.requests() == []


def test_refusal_valid_client_passes(mandatory_listener, guide_sha256):
    port, backend, process = mandatory_listener
    client_port = free_port()

    result = curl(f"https://127.0.0.1:{port}/echo", cert=guide_sha256.client.cert, key=guide_sha256.client.key,
                  local_port=client_port)

    assert result.exit_code == 0, result.stderr
    assert result.status == 200
    assert backend.paths() == ["/echo"]
    assert rejection_lines(process, client_port) == []
