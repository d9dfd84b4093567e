"""`tollgate cert verify` and `tollgate cert inspect`, which find out offline why a listener rejects a client.

cert verify sends a client certificate to a listener's verify-client-certificate endpoint of a
store-mode server and prints the verdict: "accepted", or "rejected: <reason>" with the reason
code of the handshake log. For each case below, a real handshake with curl against the same
listener agrees: an accepted certificate gets HTTP 200, and a rejected one fails the handshake
with a `handshake rejected ... reason=<reason>` log line.

cert inspect reports the facts, errors and warnings of PEM, DER and PKCS#12 files without a
server, with the upload check's messages, such as the SHA-1 warning about the guide's
certificates.
"""

import datetime
import json
import os
import pty
import select
import signal
import subprocess
import termios
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from support.certs import P12_PASSWORD
from support.cli import run_cli
from support.clients import curl
from support.elb import PROJECT, build_guide, elb, file_fingerprint
from support.ports import free_port, wait_accepting
from support.settings import BINARY, TIMEOUT, wait_until

SHA1_SERVER_WARNING = (
    'warning: Certificate 1 "CN=www.test.com,O=ELB": The certificate is signed with SHA-1 '
    "(sha1WithRSAEncryption), which OpenSSL 3 rejects at security level 1 or higher and browsers "
    "reject entirely. Reissue it with -sha256 in place of -sha1 in openssl x509 -req.")
SHA1_CLIENT_WARNING = (
    'warning: Certificate 1 "CN=www.test.com,O=ELB": The certificate is signed with SHA-1 '
    "(sha1WithRSAEncryption). Listeners at security level 1, which is every listener whose own "
    "certificates use SHA-256, reject it, and so do other servers that use OpenSSL 3. Reissue it with "
    "-sha256 in place of -sha1.")


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ELB"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _issue(subject, issuer_name, issuer_key, ca):
    """Issue a certificate for `subject` with a new RSA key: a CA, or a clientAuth client certificate."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256()), key


def _write(folder, name, certificates, key):
    """Write `name`.crt with `certificates` in order and `name`.key; return both paths."""
    cert_path, key_path = folder / f"{name}.crt", folder / f"{name}.key"
    cert_path.write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.fixture(scope="module")
def chains(tmp_path_factory, guide_sha256):
    """Client certificates below intermediate CAs of the -sha256 guide CA, and one signed with SHA-1.

    Returns a dict of (certificate file, key file) pairs. Files named *_with_chain hold the
    client certificate followed by the intermediates that a client sends.
    """
    folder = tmp_path_factory.mktemp("doctor")
    guide_ca = x509.load_pem_x509_certificate(guide_sha256.ca_cert.read_bytes())
    guide_key = serialization.load_pem_private_key(guide_sha256.ca_key.read_bytes(), password=None)
    intermediate, intermediate_key = _issue(_name("Intermediate One"), guide_ca.subject, guide_key, True)
    second, second_key = _issue(_name("Intermediate Two"), intermediate.subject, intermediate_key, True)
    via_one, via_one_key = _issue(_name("via-one.client.test"), intermediate.subject, intermediate_key, False)
    via_two, via_two_key = _issue(_name("via-two.client.test"), second.subject, second_key, False)

    files = {
        "via_one": _write(folder, "via_one", [via_one], via_one_key),
        "via_one_with_chain": _write(folder, "via_one_with_chain", [via_one, intermediate], via_one_key),
        "via_two_with_chain": _write(folder, "via_two_with_chain", [via_two, second, intermediate], via_two_key),
    }
    (folder / "intermediate.crt").write_bytes(intermediate.public_bytes(serialization.Encoding.PEM))
    files["intermediate"] = (folder / "intermediate.crt", None)

    # The guide's own command with -sha1, under the guide CA that signs itself with SHA-256.
    sha1_cert = folder / "sha1_client.crt"
    subprocess.run(["openssl", "x509", "-req", "-in", str(guide_sha256.root / "client" / "client.csr"),
                    "-out", str(sha1_cert), "-sha1", "-set_serial", "4242", "-days", "365",
                    "-CA", str(guide_sha256.ca_cert), "-CAkey", str(guide_sha256.ca_key)],
                   check=True, capture_output=True)
    files["sha1"] = (sha1_cert, guide_sha256.client.key)
    return files


def _client_files(case, guide_sha256, guide_sha1, defective, chains):
    """Return (certificate file, key file, --chain file or None) of a case's client."""
    if case == "valid":
        return guide_sha256.client.cert, guide_sha256.client.key, None
    if case == "sha1_level0":
        return guide_sha1.client.cert, guide_sha1.client.key, None
    if case == "sha1_strict":
        return *chains["sha1"], None
    if case == "missing_intermediate":
        return *chains["via_one"], None
    if case == "intermediate_sent":
        return *chains["via_one"], chains["intermediate"][0]
    if case == "chain_too_long":
        return *chains["via_two_with_chain"], None
    client = getattr(defective, case)
    return client.cert, client.key, None


# (case, listener certificates: the guide made with -sha256 or -sha1, verify depth, reason)
CASES = [
    ("valid", "sha256", None, "accepted"),
    ("other_ca_client", "sha256", None, "unknown_ca"),
    ("expired_client", "sha256", None, "cert_expired"),
    ("not_yet_valid_client", "sha256", None, "cert_not_yet_valid"),
    ("server_auth_client", "sha256", None, "bad_purpose"),
    ("impostor_client", "sha256", None, "bad_signature"),
    ("sha1_strict", "sha256", None, "weak_signature"),
    ("sha1_level0", "sha1", None, "accepted"),
    ("missing_intermediate", "sha256", None, "unknown_ca"),
    ("intermediate_sent", "sha256", None, "accepted"),
    ("chain_too_long", "sha256", 1, "chain_too_long"),
]


@pytest.fixture
def guide_listener(server, start_backend):
    """Return a function that builds the guide's resources for `guide` and returns (listener id, port)."""
    backend = start_backend("app-1")

    def build(guide, verify_depth=None):
        port = free_port()
        server.ports.append(port)
        resources = build_guide(server, guide, port, backend)
        if verify_depth is not None:
            response = elb(server, "PUT", f"/listeners/{resources['listener']}",
                           {"listener": {"client_verify_depth": verify_depth}})
            assert response.status_code == 200, response.text
        wait_accepting("127.0.0.1", port)
        return resources["listener"], port

    return build


def verdict_line(completed):
    """Return the first line of `cert verify` output: "accepted" or "rejected: <reason>"."""
    return completed.stdout.splitlines()[0] if completed.stdout else ""


@pytest.mark.parametrize("case, listener_guide, depth, reason", CASES, ids=[case[0] for case in CASES])
def test_verify_agrees_with_handshake(case, listener_guide, depth, reason, server, guide_listener, guide_sha256,
                                      guide_sha1, defective, chains):
    listener, port = guide_listener(guide_sha256 if listener_guide == "sha256" else guide_sha1, depth)
    cert, key, chain = _client_files(case, guide_sha256, guide_sha1, defective, chains)
    arguments = ["cert", "verify", "--listener", listener, cert] + (["--chain", chain] if chain else [])

    verified = run_cli(server, *arguments)

    expected_line = "accepted" if reason == "accepted" else f"rejected: {reason}"
    assert verdict_line(verified) == expected_line, verified.stdout + verified.stderr
    assert verified.returncode == (0 if reason == "accepted" else 1), verified.stderr

    # curl sends the intermediates that follow the certificate in its --cert file.
    sent = cert
    if chain:
        sent = chain.parent / f"{case}_sent.crt"
        sent.write_bytes(cert.read_bytes() + chain.read_bytes())
    client_port = free_port()
    result = curl(f"https://127.0.0.1:{port}/echo", cert=sent, key=key, local_port=client_port,
                  seclevel0=case.startswith("sha1"))
    if reason == "accepted":
        assert result.status == 200, result.stderr
        return
    assert result.status == 0, result.stderr
    line = server.wait_for_line(rf"handshake rejected .*client=127\.0\.0\.1:{client_port} ")
    assert f" reason={reason} " in line, line


def test_verify_explains_sha1_rejection(server, guide_listener, guide_sha256, chains):
    listener, _ = guide_listener(guide_sha256)

    verified = run_cli(server, "cert", "verify", "--listener", listener, chains["sha1"][0])

    assert verified.returncode == 1, verified.stderr
    assert verified.stdout.splitlines()[1] == (
        'The client certificate "CN=www.test.com,O=ELB" is signed with SHA-1 (sha1WithRSAEncryption), which '
        "this listener's security level 1 rejects. Reissue it with -sha256 in place of -sha1 (openssl x509 "
        "-req -sha256). tollgate lowers a listener to security level 0 only when its own server certificate "
        "or CA bundle has an MD5 or SHA-1 signature.")


def test_verify_reads_p12_and_prints_json(server, guide_listener, guide_sha256):
    listener, _ = guide_listener(guide_sha256)

    verified = run_cli(server, "cert", "verify", "--listener", listener, guide_sha256.client_p12, "-o", "json",
                       env={"TOLLGATE_P12_PASSWORD": P12_PASSWORD})

    assert verified.returncode == 0, verified.stderr
    verdict = json.loads(verified.stdout)
    assert verdict["accepted"] is True
    assert verdict["reason"] is None
    assert verdict["security_level"] == 1
    assert [entry["source"] for entry in verdict["chain"]] == ["client", "bundle"]
    assert verdict["chain"][0]["fingerprint"] == file_fingerprint(guide_sha256.client.cert)


def test_verify_listener_without_client_auth(server, guide_sha256):
    certificate = elb(server, "POST", "/certificates", {"certificate": {
        "type": "server", "certificate": guide_sha256.server_cert.read_text(),
        "private_key": guide_sha256.server_key.read_text()}}).json()["certificate"]["id"]
    loadbalancer = elb(server, "POST", "/loadbalancers",
                       {"loadbalancer": {"vip_address": "127.0.0.1"}}).json()["loadbalancer"]["id"]
    port = free_port()
    server.ports.append(port)
    created = elb(server, "POST", "/listeners", {"listener": {
        "name": "plain-tls", "loadbalancer_id": loadbalancer, "protocol": "HTTPS", "protocol_port": port,
        "default_tls_container_ref": certificate}})
    assert created.status_code == 201, created.text
    listener = created.json()["listener"]["id"]

    verified = run_cli(server, "cert", "verify", "--listener", "plain-tls", guide_sha256.client.cert)

    assert verified.returncode == 1
    assert verified.stdout == ""
    assert verified.stderr.startswith(
        f"error: listener {listener} has client_authentication none, so it asks for no client certificate and "
        "accepts every client. Set client_ca_tls_container_ref to the CA certificates of your clients to "
        "require client certificates. (ELB.8907, HTTP 409, request id ")


def test_verify_endpoint_rejects_non_certificate(server, guide_listener, guide_sha256):
    listener, _ = guide_listener(guide_sha256)

    response = server.api("POST", f"/v3/{PROJECT}/elb/listeners/{listener}/verify-client-certificate",
                          {"certificate": guide_sha256.client.key.read_text()})

    assert response.status_code == 400
    assert response.json()["error_msg"].startswith(
        "certificate: The certificate text contains a private key.")


def test_inspect_pem_server_and_key(guide_sha1):
    completed = run_cli(None, "cert", "inspect", guide_sha1.server_cert, guide_sha1.server_key)

    assert completed.returncode == 0, completed.stdout
    lines = completed.stdout.splitlines()
    assert lines[0] == (f"{guide_sha1.server_cert} (PEM): a server certificate with its private key from "
                        f"{guide_sha1.server_key}, as the API checks type server")
    assert "  subject:              CN=www.test.com,O=ELB" in lines
    assert "  issuer:               O=ELB" in lines
    assert f"  sha256 fingerprint:   {file_fingerprint(guide_sha1.server_cert)}" in lines
    assert "  key:                  RSA 2048 bits" in lines
    assert "  signature algorithm:  sha1WithRSAEncryption" in lines
    assert "private key: RSA 2048 bits" in lines
    assert SHA1_SERVER_WARNING in lines
    assert f"{guide_sha1.server_key} (PEM): the private key of the certificate in {guide_sha1.server_cert}" in lines


def test_inspect_two_files_key_mismatch(guide_sha256):
    completed = run_cli(None, "cert", "inspect", guide_sha256.server_cert, guide_sha256.client.key)

    assert completed.returncode == 1, completed.stdout
    assert ('error: private_key: The private key does not match certificate 1 "CN=www.test.com,O=ELB". Upload the '
            "key that was generated with this certificate. For a matching pair, openssl x509 -in server.crt -noout "
            "-pubkey and openssl pkey -in server.key -pubout print the same public key.") in completed.stdout


def test_inspect_two_files_wrong_chain_order(guide_sha256, tmp_path):
    wrong_order = tmp_path / "wrong-order.crt"
    wrong_order.write_bytes(guide_sha256.ca_cert.read_bytes() + guide_sha256.server_cert.read_bytes())
    completed = run_cli(None, "cert", "inspect", wrong_order, guide_sha256.server_key)

    assert completed.returncode == 1, completed.stdout
    assert ('error: certificate: The private key matches certificate 2 "CN=www.test.com,O=ELB", not certificate 1 '
            '"O=ELB", so the chain is in the wrong order. Put the certificate that matches the key first, followed '
            "by the CA certificates that issued it.") in completed.stdout


def test_inspect_pem_ca_bundle(guide_sha1):
    completed = run_cli(None, "cert", "inspect", guide_sha1.ca_cert)

    assert completed.returncode == 0, completed.stdout
    lines = completed.stdout.splitlines()
    assert lines[0] == f"{guide_sha1.ca_cert} (PEM): CA certificates that verify clients, as the API checks type client"
    assert "  subject:              O=ELB" in lines
    assert any(line.startswith('warning: Certificate 1 "O=ELB": The certificate signs itself with SHA-1 '
                               "(sha1WithRSAEncryption).") for line in lines), lines


def test_inspect_der_certificate(guide_sha256, tmp_path):
    der = tmp_path / "client.der"
    subprocess.run(["openssl", "x509", "-in", str(guide_sha256.client.cert), "-outform", "DER", "-out", str(der)],
                   check=True)

    completed = run_cli(None, "cert", "inspect", der)

    assert completed.returncode == 0, completed.stdout
    lines = completed.stdout.splitlines()
    assert lines[0] == (f"{der} (DER): a certificate without its private key, checked as a client certificate. "
                        "Give its key file too, or --type server, to check it as a server certificate")
    assert "  subject:              CN=www.test.com,O=ELB" in lines
    assert f"  sha256 fingerprint:   {file_fingerprint(guide_sha256.client.cert)}" in lines
    assert "  signature algorithm:  sha256WithRSAEncryption" in lines
    assert lines[-1] == "result: 0 errors, 0 warnings"


def test_inspect_p12_with_password(guide_sha1):
    completed = run_cli(None, "cert", "inspect", guide_sha1.client_p12, env={"TOLLGATE_P12_PASSWORD": P12_PASSWORD})

    assert completed.returncode == 0, completed.stdout
    lines = completed.stdout.splitlines()
    assert lines[0] == f"{guide_sha1.client_p12} (PKCS#12): a client certificate with its private key"
    assert "  subject:              CN=www.test.com,O=ELB" in lines
    assert f"  sha256 fingerprint:   {file_fingerprint(guide_sha1.client.cert)}" in lines
    assert "private key: RSA 2048 bits" in lines
    assert SHA1_CLIENT_WARNING in lines


def test_inspect_p12_password_file(guide_sha256, tmp_path):
    password_file = tmp_path / "password"
    password_file.write_text(P12_PASSWORD + "\n")

    completed = run_cli(None, "cert", "inspect", "--password-file", password_file, guide_sha256.client_p12)

    assert completed.returncode == 0, completed.stdout
    assert "  subject:              CN=www.test.com,O=ELB" in completed.stdout.splitlines()


def _read_until(fd, marker, output):
    """Append what `fd` delivers to `output` until it contains `marker` or the terminal closes."""
    deadline = time.monotonic() + TIMEOUT
    while marker not in output and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            break
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        output += chunk
    return output


def _wait_exit(pid):
    """Wait for the child `pid` to exit, with the suite's deadline, and return its wait status."""
    def exited():
        waited, status = os.waitpid(pid, os.WNOHANG)
        return (status,) if waited == pid else None

    return wait_until(exited, "tollgate cert inspect to exit")[0]


def test_inspect_p12_prompts_on_terminal(guide_sha256):
    environment = {key: value for key, value in os.environ.items() if not key.startswith("TOLLGATE_")}
    pid, fd = pty.fork()
    if pid == 0:
        # The child must never return into pytest, even when exec fails.
        try:
            os.execve(str(BINARY), [str(BINARY), "cert", "inspect", str(guide_sha256.client_p12)], environment)
        finally:
            os._exit(127)
    try:
        prompt = _read_until(fd, b"Password of ", b"")
        # OpenSSL prints the prompt before it turns echo off, so typing waits for that.
        wait_until(lambda: not termios.tcgetattr(fd)[3] & termios.ECHO, "the prompt to turn echo off")
        os.write(fd, P12_PASSWORD.encode() + b"\n")
        report = _read_until(fd, b"result: 0 errors, 0 warnings", b"")
        status = _wait_exit(pid)
        pid = None
    finally:
        if pid is not None:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(fd)
    assert prompt.startswith(f"Password of {guide_sha256.client_p12}: ".encode()), prompt
    assert b"result: 0 errors, 0 warnings" in report, report
    assert P12_PASSWORD.encode() not in prompt + report
    assert os.waitstatus_to_exitcode(status) == 0


def test_inspect_p12_wrong_password(guide_sha256):
    completed = run_cli(None, "cert", "inspect", guide_sha256.client_p12, env={"TOLLGATE_P12_PASSWORD": "wrong"})

    assert completed.returncode == 1
    assert completed.stdout.splitlines()[1] == (
        f"error: file: the password does not open {guide_sha256.client_p12}, because the file's integrity check "
        "(MAC) fails with it. Check the password.")


def test_inspect_p12_without_password(guide_sha256):
    completed = run_cli(None, "cert", "inspect", guide_sha256.client_p12)

    assert completed.returncode == 1
    assert completed.stdout.splitlines()[1] == (
        f"error: file: {guide_sha256.client_p12} is protected by a password. Give it with --password-file FILE "
        "or in the environment variable TOLLGATE_P12_PASSWORD.")


def test_inspect_mismatched_key_fails(guide_sha256, tmp_path):
    combined = tmp_path / "combined.pem"
    combined.write_text(guide_sha256.server_cert.read_text() + guide_sha256.client.key.read_text())

    completed = run_cli(None, "cert", "inspect", combined)

    assert completed.returncode == 1
    assert any(line.startswith('error: private_key: The private key does not match certificate 1 '
                               '"CN=www.test.com,O=ELB".') for line in completed.stdout.splitlines()), completed.stdout
    assert completed.stdout.splitlines()[-1] == "result: 1 error, 2 warnings"


def test_inspect_json(guide_sha256):
    completed = run_cli(None, "cert", "inspect", "-o", "json", guide_sha256.ca_cert, guide_sha256.client.cert)

    assert completed.returncode == 0, completed.stdout
    files = json.loads(completed.stdout)
    assert [entry["checked_as"] for entry in files] == ["client", "client_certificate"]
    assert files[1]["certificates"][0]["fingerprint"] == file_fingerprint(guide_sha256.client.cert)
    assert files[1]["errors"] == []
