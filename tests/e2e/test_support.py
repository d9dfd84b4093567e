"""Checks of the test infrastructure on its own, without tollgate.

The certificates must verify (or fail to verify) with `openssl verify` as each test expects,
and the backend must behave as its routes promise when curl talks to it directly.
"""

import hashlib
import subprocess

import pytest

from support.backend import pattern_bytes, pattern_sha256
from support.certs import P12_PASSWORD
from support.clients import SECLEVEL_0_CIPHERS, RawClient, curl, curl_repeat
from support.ports import assert_not_listening, free_port, wait_accepting
from support.settings import TIMEOUT


def openssl_verify(ca_cert, cert):
    completed = subprocess.run(["openssl", "verify", "-purpose", "sslclient", "-CAfile", str(ca_cert), str(cert)],
                               capture_output=True, text=True)
    return completed.returncode, completed.stdout + completed.stderr


@pytest.mark.parametrize("digest", ["sha256", "sha1"])
def test_guide_certificates_verify(digest, guide_sha256, guide_sha1):
    guide = guide_sha256 if digest == "sha256" else guide_sha1

    for cert in (guide.server_cert, guide.client.cert):
        code, output = openssl_verify(guide.ca_cert, cert)
        assert code == 0, output
    text = subprocess.run(["openssl", "x509", "-in", str(guide.client.cert), "-noout", "-text"],
                          capture_output=True, text=True, check=True).stdout
    assert f"Signature Algorithm: {digest}WithRSAEncryption" in text
    assert guide.client.subject == "CN=www.test.com,O=ELB"


def test_guide_p12_opens_with_password(guide_sha256):
    completed = subprocess.run(["openssl", "pkcs12", "-in", str(guide_sha256.client_p12), "-nokeys",
                                "-passin", f"pass:{P12_PASSWORD}"], capture_output=True, text=True)

    assert completed.returncode == 0, completed.stderr
    assert "subject=O = ELB, CN = www.test.com" in completed.stdout


@pytest.mark.parametrize("name, error", [
    ("other_ca_client", "unable to get local issuer certificate"),
    ("expired_client", "certificate has expired"),
    ("not_yet_valid_client", "certificate is not yet valid"),
    ("server_auth_client", "unsuitable certificate purpose"),
    ("impostor_client", "certificate signature failure"),
])
def test_defective_certificate_fails_verify(name, error, guide_sha256, defective):
    code, output = openssl_verify(guide_sha256.ca_cert, getattr(defective, name).cert)

    assert code != 0
    assert error in output


def test_defective_other_ca_client_verifies_with_its_ca(defective):
    code, output = openssl_verify(defective.other_ca_cert, defective.other_ca_client.cert)

    assert code == 0, output


def test_backend_echo_keeps_header_order(start_backend):
    backend = start_backend("alpha")

    result = curl(f"http://127.0.0.1:{backend.port}/anything?x=1", headers=["X-Dup: 1", "X-Dup: 2"])

    assert result.status == 200
    assert result.header("X-Backend-Name") == "alpha"
    echo = result.json()
    assert echo["method"] == "GET"
    assert echo["path"] == "/anything?x=1"
    assert [value for name, value in echo["headers"] if name == "X-Dup"] == ["1", "2"]
    assert backend.paths() == ["/anything?x=1"]


@pytest.mark.parametrize("chunked", [False, True])
def test_backend_download_pattern(chunked, start_backend):
    backend = start_backend("alpha")
    size = 3 * 1024 * 1024 + 17

    result = curl(f"http://127.0.0.1:{backend.port}/download?bytes={size}&chunked={int(chunked)}")

    assert result.status == 200
    assert len(result.body) == size
    assert (result.header("Transfer-Encoding") == "chunked") == chunked
    assert hashlib.sha256(result.body).hexdigest() == pattern_sha256(size)


def test_backend_upload_counts_chunked_body(start_backend, tmp_path):
    backend = start_backend("alpha")
    body = bytes(range(256)) * 4099

    # curl sends a body read from standard input with chunked transfer coding.
    result = curl(f"http://127.0.0.1:{backend.port}/upload", method="POST", upload_file="-", stdin=body)

    assert result.status == 200
    assert result.json() == {"bytes": len(body), "sha256": hashlib.sha256(body).hexdigest()}
    headers = dict(backend.requests()[0]["headers"])
    assert headers["Transfer-Encoding"] == "chunked"


def test_backend_status_and_reset(start_backend):
    backend = start_backend("alpha")

    assert curl(f"http://127.0.0.1:{backend.port}/status/503").status == 503
    assert curl(f"http://127.0.0.1:{backend.port}/status/204").status == 204
    assert len(backend.requests()) == 2
    backend.reset()
    assert backend.requests() == []


@pytest.fixture
def sha1_s_server(guide_sha1):
    """Run `openssl s_server` with the guide's SHA-1 certificates, requiring a client certificate."""
    port = free_port()
    server = subprocess.Popen(
        ["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-cert", str(guide_sha1.server_cert),
         "-key", str(guide_sha1.server_key), "-CAfile", str(guide_sha1.ca_cert), "-Verify", "4",
         "-verify_return_error", "-www", "-cipher", SECLEVEL_0_CIPHERS],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_accepting("127.0.0.1", port)
        yield port
    finally:
        server.terminate()
        server.wait(TIMEOUT)
    assert_not_listening([port])


def test_curl_sha1_client_needs_seclevel0(sha1_s_server, guide_sha1):
    url = f"https://127.0.0.1:{sha1_s_server}/"

    default = curl(url, cert=guide_sha1.client.cert, key=guide_sha1.client.key)
    lowered = curl(url, cert=guide_sha1.client.cert, key=guide_sha1.client.key, seclevel0=True)

    assert default.exit_code == 58
    assert "ca md too weak" in default.stderr
    assert lowered.exit_code == 0, lowered.stderr
    assert lowered.status == 200


def test_raw_client_keep_alive_with_backend(start_backend):
    backend = start_backend("alpha")

    with RawClient(backend.port, tls=False) as client:
        head = client.request("HEAD", "/download?bytes=1000")
        empty = client.request("GET", "/status/204")
        client.send(b"GET /echo?n=1 HTTP/1.1\r\nHost: a\r\n\r\nGET /download?bytes=70000&chunked=1 HTTP/1.1\r\nHost: a\r\n\r\n")
        pipelined = [client.read_response(), client.read_response()]
        client.send(b"POST /upload HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n")
        interim = client.read_interim()
        client.send(b"abc")
        uploaded = client.read_response()

    assert head.header("Content-Length") == "1000"
    assert empty.status == 204
    assert pipelined[0].json()["path"] == "/echo?n=1"
    assert pipelined[1].body == b"".join(pattern_bytes(70000))
    assert interim == 100
    assert uploaded.json()["bytes"] == 3


def test_curl_repeat_counts_backend_names(start_backend):
    backend = start_backend("alpha")

    results = curl_repeat(f"http://127.0.0.1:{backend.port}/echo", 7, new_connections=True)

    assert results == [(200, "alpha")] * 7
    assert len(backend.paths()) == 7
