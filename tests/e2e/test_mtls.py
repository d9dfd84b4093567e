"""Mutual TLS as the guide sets it up: a CA, a server and a client certificate made by its
openssl commands, an HTTPS listener with mutual authentication, one backend, and curl with
the client certificate. The backend must receive the request together with headers that
describe the client certificate, in the formats below:

  subjectdn, issuerdn   RFC 4514, e.g. CN=www.test.com,O=ELB
  fingerprint           SHA-256 of the certificate's DER, lowercase hex without colons
  serialnumber          lowercase hex
  end                   notAfter, RFC 3339 in UTC
  clientverify          SUCCESS
  X-Forwarded-Clientcert  the PEM, percent-encoded

The guide's commands sign with SHA-1; they run once as written and once with -sha256.
"""

import datetime
import re
import subprocess
from pathlib import Path
from urllib.parse import unquote

import pytest
from cryptography.hazmat.primitives import hashes

from support.backend import header_values
from support.certs import P12_PASSWORD
from support.clients import curl
from support.config import ALL_CLIENT_CERTIFICATE_HEADERS, member, mtls_config
from support.ports import free_port

SUBJECT_AND_FINGERPRINT = {
    "X-Forwarded-Clientcert-subjectdn-enable": True,
    "X-Forwarded-Clientcert-fingerprint-enable": True,
}


def start_guide_listener(tollgate, start_backend, guide, insert_headers, workdir_name):
    """Start a backend and a mandatory-mTLS listener in front of it; return (port, backend, process)."""
    backend = start_backend("app-1")
    port = free_port()
    workdir = guide.root / workdir_name
    workdir.mkdir(exist_ok=True)
    for folder in ("ca", "server", "client"):
        link = workdir / folder
        if not link.exists():
            link.symlink_to(guide.root / folder)
    # The certificate paths are relative to the folder of the configuration file, which links
    # the guide's ca/, server/ and client/ folders.
    config = mtls_config(Path(), port, [member(backend.port)], insert_headers=insert_headers)
    process = tollgate(config, [port], workdir=workdir)
    return port, backend, process


def needs_seclevel0(guide):
    # OpenSSL 3 refuses to load the guide's SHA-1 client certificate at the default
    # security level ("ca md too weak"), so curl lowers it on purpose for that variant.
    return guide.digest == "sha1"


def openssl_fingerprint(cert):
    """Return the SHA-256 fingerprint as `openssl x509` prints it, lowercased without colons."""
    output = subprocess.run(["openssl", "x509", "-in", str(cert), "-noout", "-fingerprint", "-sha256"],
                            capture_output=True, text=True, check=True).stdout
    return output.strip().split("=", 1)[1].replace(":", "").lower()


@pytest.fixture(params=["sha256", "sha1"])
def guide(request, guide_sha256, guide_sha1):
    return guide_sha256 if request.param == "sha256" else guide_sha1


def test_mtls_guide_curl_head(guide, tollgate, start_backend, request):
    port, backend, _ = start_guide_listener(tollgate, start_backend, guide, SUBJECT_AND_FINGERPRINT,
                                            f"lb-{request.node.name}")

    # The guide's command: curl -k --cert client.crt --key client.key https://IP:PORT/ -I
    result = curl(f"https://127.0.0.1:{port}/", cert=guide.client.cert, key=guide.client.key,
                  seclevel0=needs_seclevel0(guide), extra=["-I"])

    assert result.exit_code == 0, result.stderr
    assert result.status == 200
    assert result.header("X-Backend-Name") == "app-1"
    assert [(item["method"], item["path"]) for item in backend.requests()] == [("HEAD", "/")]


def test_mtls_guide_forwards_subject_and_fingerprint(guide, tollgate, start_backend, request):
    port, backend, _ = start_guide_listener(tollgate, start_backend, guide, SUBJECT_AND_FINGERPRINT,
                                            f"lb-{request.node.name}")

    result = curl(f"https://127.0.0.1:{port}/", cert=guide.client.cert, key=guide.client.key,
                  seclevel0=needs_seclevel0(guide))

    assert result.exit_code == 0, result.stderr
    assert result.status == 200
    assert result.json()["path"] == "/"
    headers = backend.last_headers()
    assert header_values(headers, "X-Forwarded-Clientcert-subjectdn") == ["CN=www.test.com,O=ELB"]
    assert header_values(headers, "X-Forwarded-Clientcert-fingerprint") == [openssl_fingerprint(guide.client.cert)]


def test_mtls_guide_fingerprint_matches_der(guide_sha256, tollgate, start_backend, request):
    port, backend, _ = start_guide_listener(tollgate, start_backend, guide_sha256, SUBJECT_AND_FINGERPRINT,
                                            f"lb-{request.node.name}")
    expected = guide_sha256.client.load().fingerprint(hashes.SHA256()).hex()

    result = curl(f"https://127.0.0.1:{port}/echo", cert=guide_sha256.client.cert, key=guide_sha256.client.key)

    assert result.status == 200
    assert header_values(backend.last_headers(), "X-Forwarded-Clientcert-fingerprint") == [expected]


def test_mtls_all_certificate_headers(guide_sha256, tollgate, start_backend, request):
    port, backend, _ = start_guide_listener(tollgate, start_backend, guide_sha256,
                                            ALL_CLIENT_CERTIFICATE_HEADERS, f"lb-{request.node.name}")
    certificate = guide_sha256.client.load()

    result = curl(f"https://127.0.0.1:{port}/echo", cert=guide_sha256.client.cert, key=guide_sha256.client.key)

    assert result.status == 200
    headers = backend.last_headers()
    assert header_values(headers, "X-Forwarded-Clientcert-subjectdn") == ["CN=www.test.com,O=ELB"]
    assert header_values(headers, "X-Forwarded-Clientcert-issuerdn") == ["O=ELB"]
    assert header_values(headers, "X-Forwarded-Clientcert-clientverify") == ["SUCCESS"]

    serials = header_values(headers, "X-Forwarded-Clientcert-serialnumber")
    assert len(serials) == 1
    assert re.fullmatch(r"[0-9a-f]+", serials[0]), serials[0]
    assert int(serials[0], 16) == certificate.serial_number

    ends = header_values(headers, "X-Forwarded-Clientcert-end")
    assert len(ends) == 1
    match = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?Z", ends[0])
    assert match, f"not RFC 3339 UTC: {ends[0]}"
    assert datetime.datetime.strptime(match.group(1), "%Y-%m-%dT%H:%M:%S") == certificate.not_valid_after

    pems = header_values(headers, "X-Forwarded-Clientcert")
    assert len(pems) == 1
    assert not re.search(r"\s", pems[0]), "the PEM must be percent-encoded, without raw whitespace"
    assert unquote(pems[0]).strip() == guide_sha256.client.cert.read_text().strip()


def test_mtls_header_aliases(guide_sha256, tollgate, start_backend, request):
    aliases = {
        "X-Forwarded-Clientcert-subjectdn-enable": True,
        "X-Forwarded-Clientcert-subjectdn-alias": "X-Client-Subject",
        "X-Forwarded-Clientcert-clientverify-enable": True,
        "X-Forwarded-Clientcert-clientverify-alias": "X-Client-Verify",
    }
    port, backend, _ = start_guide_listener(tollgate, start_backend, guide_sha256, aliases,
                                            f"lb-{request.node.name}")

    result = curl(f"https://127.0.0.1:{port}/echo", cert=guide_sha256.client.cert, key=guide_sha256.client.key)

    assert result.status == 200
    headers = backend.last_headers()
    assert header_values(headers, "X-Client-Subject") == ["CN=www.test.com,O=ELB"]
    assert header_values(headers, "X-Client-Verify") == ["SUCCESS"]
    assert header_values(headers, "X-Forwarded-Clientcert-subjectdn") == []
    assert header_values(headers, "X-Forwarded-Clientcert-clientverify") == []


def test_mtls_p12_bundle_accepted(guide_sha256, tollgate, start_backend, request):
    port, backend, _ = start_guide_listener(tollgate, start_backend, guide_sha256, SUBJECT_AND_FINGERPRINT,
                                            f"lb-{request.node.name}")

    # The bundle a browser imports: curl reads it as it would, with the export password.
    result = curl(f"https://127.0.0.1:{port}/echo", cert=f"{guide_sha256.client_p12}:{P12_PASSWORD}",
                  extra=["--cert-type", "P12"])

    assert result.exit_code == 0, result.stderr
    assert result.status == 200
    assert header_values(backend.last_headers(), "X-Forwarded-Clientcert-subjectdn") == ["CN=www.test.com,O=ELB"]


def test_mtls_sha1_start_warns(guide_sha1, tollgate, start_backend, request):
    _, _, process = start_guide_listener(tollgate, start_backend, guide_sha1, SUBJECT_AND_FINGERPRINT,
                                         f"lb-{request.node.name}")

    warnings = process.find_lines(r"\bwarn(ing)?\b.*SHA-1")

    assert warnings, "no warning naming SHA-1 at start-up:\n" + process.log_text()


def test_mtls_sha256_start_no_sha1_warning(guide_sha256, tollgate, start_backend, request):
    _, _, process = start_guide_listener(tollgate, start_backend, guide_sha256, SUBJECT_AND_FINGERPRINT,
                                         f"lb-{request.node.name}")

    assert process.find_lines(r"SHA-1") == []
