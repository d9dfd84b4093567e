"""`tollgate pki`: certificates made with OpenSSL's API that stock tools accept.

`pki quickstart` writes a CA, a server certificate, a client certificate and a .p12 bundle.
These tests check them with the tools that people use them with:

  openssl verify -x509_strict   the chain and the purpose of each certificate
  curl (default security level) the client certificate against a tollgate listener that
                                uses the server certificate and trusts the CA
  pk12util and certutil (NSS)   the .p12 imports into a fresh NSS database, as Firefox and
                                Chrome on Linux import it

and the rules of the command: no file is replaced without --force, private keys and bundles
have mode 0600, and the .p12 password never appears on a command line.
"""

import fcntl
import os
import pty
import re
import secrets
import select
import subprocess
import termios
import time
from pathlib import Path

import pytest

from support.backend import header_values
from support.clients import curl
from support.config import member, mtls_config
from support.ports import free_port
from support.settings import BINARY, TIMEOUT

PASSWORD_VARIABLE = "TOLLGATE_P12_PASSWORD"
SUBJECT_HEADER = {"X-Forwarded-Clientcert-subjectdn-enable": True}

QUICKSTART_FILES = [
    "ca/ca.crt", "ca/ca.key", "server/server.crt", "server/server.key", "client/client.crt", "client/client.key",
    "client/client.p12", "client/client.p12.password",
]
SECRET_FILES = ["ca/ca.key", "server/server.key", "client/client.key", "client/client.p12",
                "client/client.p12.password"]


def pki_environment(env=None):
    """Return the test's environment without TOLLGATE_ variables, updated with `env`."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("TOLLGATE_")}
    environment.update(env or {})
    return environment


def run_pki(*arguments, env=None):
    """Run `tollgate pki ARGUMENTS` without a controlling terminal and with umask 022.

    The new session has no terminal, so a command that would prompt fails instead of waiting.
    """
    return subprocess.run([str(BINARY), "pki", *map(str, arguments)], capture_output=True, text=True,
                          env=pki_environment(env), timeout=TIMEOUT, start_new_session=True, umask=0o022)


def run_pki_ok(*arguments, env=None):
    completed = run_pki(*arguments, env=env)
    assert completed.returncode == 0, f"tollgate pki {' '.join(map(str, arguments))} failed:\n{completed.stderr}"
    return completed


def openssl_verify(ca, certificate, purpose, *extra):
    return subprocess.run(["openssl", "verify", "-x509_strict", "-purpose", purpose, *extra, "-CAfile", str(ca),
                           str(certificate)], capture_output=True, text=True, timeout=TIMEOUT)


def openssl_text(certificate):
    return subprocess.run(["openssl", "x509", "-in", str(certificate), "-noout", "-text"], capture_output=True,
                          text=True, check=True, timeout=TIMEOUT).stdout


def file_modes(root, names):
    return {name: oct(os.stat(root / name).st_mode & 0o777) for name in names}


@pytest.fixture(scope="module")
def quickstart(tmp_path_factory):
    """The output folder of one `tollgate pki quickstart` run with its defaults, and its stdout."""
    root = tmp_path_factory.mktemp("pki") / "quickstart"
    completed = run_pki_ok("quickstart", "--out", root)
    return root, completed.stdout


def test_pki_quickstart_writes_every_file(quickstart):
    root, _ = quickstart
    assert sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()) == sorted(QUICKSTART_FILES)
    assert file_modes(root, SECRET_FILES) == {name: "0o600" for name in SECRET_FILES}
    public = ["ca/ca.crt", "server/server.crt", "client/client.crt"]
    assert file_modes(root, public) == {name: "0o644" for name in public}


def test_pki_quickstart_passes_openssl_verify(quickstart):
    root, _ = quickstart
    ca = root / "ca/ca.crt"

    client = openssl_verify(ca, root / "client/client.crt", "sslclient")
    assert client.returncode == 0, client.stderr
    assert client.stdout.strip() == f"{root / 'client/client.crt'}: OK"

    server = openssl_verify(ca, root / "server/server.crt", "sslserver", "-verify_hostname", "localhost")
    assert server.returncode == 0, server.stderr
    assert server.stdout.strip() == f"{root / 'server/server.crt'}: OK"

    server_ip = openssl_verify(ca, root / "server/server.crt", "sslserver", "-verify_ip", "127.0.0.1")
    assert server_ip.returncode == 0, server_ip.stderr


def test_pki_quickstart_purposes_do_not_cross(quickstart):
    root, _ = quickstart
    ca = root / "ca/ca.crt"
    client_as_server = openssl_verify(ca, root / "client/client.crt", "sslserver")
    assert client_as_server.returncode != 0
    assert "error 26 at 0 depth lookup: unsuitable certificate purpose" in client_as_server.stderr


def test_pki_quickstart_certificate_contents(quickstart):
    root, _ = quickstart
    ca = openssl_text(root / "ca/ca.crt")
    assert "Version: 3 (0x2)" in ca
    assert "Signature Algorithm: ecdsa-with-SHA256" in ca
    assert "Subject: CN = tollgate CA" in ca
    assert re.search(r"X509v3 Basic Constraints: critical\s+CA:TRUE", ca), ca
    assert re.search(r"X509v3 Key Usage: critical\s+Certificate Sign, CRL Sign", ca), ca
    assert "X509v3 Subject Key Identifier" in ca

    server = openssl_text(root / "server/server.crt")
    assert "Public-Key: (256 bit)" in server
    assert "NIST CURVE: P-256" in server
    assert re.search(r"X509v3 Key Usage: critical\s+Digital Signature\n", server), server
    assert re.search(r"X509v3 Extended Key Usage:\s+TLS Web Server Authentication\n", server), server
    assert re.search(r"X509v3 Subject Alternative Name:\s+DNS:localhost, IP Address:127.0.0.1\n", server), server
    assert "X509v3 Authority Key Identifier" in server

    client = openssl_text(root / "client/client.crt")
    assert "Subject: CN = tollgate client" in client
    assert re.search(r"X509v3 Extended Key Usage:\s+TLS Web Client Authentication\n", client), client


def test_pki_quickstart_prints_next_steps(quickstart):
    root, output = quickstart
    assert (f"tollgate certificate create --name server --type server --certificate {root}/server/server.crt "
            f"--private-key {root}/server/server.key") in output
    assert f"tollgate certificate create --name client-ca --type client --certificate {root}/ca/ca.crt" in output
    assert (f"curl --cacert {root}/ca/ca.crt --cert {root}/client/client.crt --key {root}/client/client.key "
            "https://localhost:8443/") in output
    assert (f"pk12util -i {root}/client/client.p12 -d sql:$HOME/.pki/nssdb -w {root}/client/client.p12.password"
            in output)


def test_pki_quickstart_curl_through_listener(quickstart, tollgate, start_backend):
    root, _ = quickstart
    backend = start_backend("app-1")
    port = free_port()
    tollgate(mtls_config(root, port, [member(backend.port)], insert_headers=SUBJECT_HEADER), [port])
    trust = ["--cacert", str(root / "ca/ca.crt")]

    # Stock curl verifies the server certificate against the CA, by IP address and by name.
    by_ip = curl(f"https://127.0.0.1:{port}/echo", cert=root / "client/client.crt", key=root / "client/client.key",
                 insecure=False, extra=trust)
    assert by_ip.exit_code == 0, by_ip.stderr
    assert by_ip.status == 200
    assert header_values(backend.last_headers(), "X-Forwarded-Clientcert-subjectdn") == ["CN=tollgate client"]

    by_name = curl(f"https://localhost:{port}/echo", cert=root / "client/client.crt",
                   key=root / "client/client.key", insecure=False,
                   extra=[*trust, "--resolve", f"localhost:{port}:127.0.0.1"])
    assert by_name.exit_code == 0, by_name.stderr
    assert by_name.status == 200

    without_certificate = curl(f"https://127.0.0.1:{port}/echo", insecure=False, extra=trust)
    assert without_certificate.status == 0
    assert without_certificate.exit_code != 0


def test_pki_quickstart_p12_algorithms(quickstart):
    root, _ = quickstart
    completed = subprocess.run(["openssl", "pkcs12", "-info", "-noout", "-in", str(root / "client/client.p12"),
                                "-passin", f"file:{root / 'client/client.p12.password'}"],
                               capture_output=True, text=True, timeout=TIMEOUT)
    assert completed.returncode == 0, completed.stderr
    lines = completed.stderr.splitlines()
    assert "MAC: sha256, Iteration 2048" in lines
    assert "PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256" in lines
    assert "Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256" in lines


def import_into_nss(tmp_path, p12, password_file):
    """Import `p12` into a new NSS database and return the `certutil -L` listing."""
    database = tmp_path / "nssdb"
    database.mkdir()
    subprocess.run(["certutil", "-N", "-d", f"sql:{database}", "--empty-password"], check=True,
                   capture_output=True, timeout=TIMEOUT)
    imported = subprocess.run(["pk12util", "-i", str(p12), "-d", f"sql:{database}", "-w", str(password_file)],
                              capture_output=True, text=True, timeout=TIMEOUT)
    assert imported.returncode == 0, imported.stdout + imported.stderr
    assert "PKCS12 IMPORT SUCCESSFUL" in imported.stdout
    listing = subprocess.run(["certutil", "-L", "-d", f"sql:{database}"], capture_output=True, text=True,
                             check=True, timeout=TIMEOUT)
    keys = subprocess.run(["certutil", "-K", "-d", f"sql:{database}"], capture_output=True, text=True,
                          timeout=TIMEOUT)
    return listing.stdout, keys.stdout


def test_pki_quickstart_p12_imports_into_nss(quickstart, tmp_path):
    root, _ = quickstart
    listing, keys = import_into_nss(tmp_path, root / "client/client.p12", root / "client/client.p12.password")
    assert re.search(r"^tollgate client\s+u,u,u\s*$", listing, re.MULTILINE), listing
    assert re.search(r"^tollgate CA\s+,,\s*$", listing, re.MULTILINE), listing
    assert "tollgate client" in keys


def test_pki_step_by_step_rsa(tmp_path):
    run_pki_ok("ca", "--out", tmp_path / "ca", "--cn", "Example Root", "--key-type", "rsa", "--rsa-bits", "3072")
    server = run_pki_ok("server", "--ca", tmp_path / "ca", "--dns", "www.test.com", "--dns", "test.com", "--ip",
                        "127.0.0.1", "--out", tmp_path / "server", "--key-type", "rsa")
    run_pki_ok("client", "--ca", tmp_path / "ca", "--cn", "alice", "--out", tmp_path / "client", "--key-type", "rsa")
    ca = tmp_path / "ca/ca.crt"

    assert openssl_verify(ca, tmp_path / "server/server.crt", "sslserver", "-verify_hostname",
                          "test.com").returncode == 0
    assert openssl_verify(ca, tmp_path / "client/client.crt", "sslclient").returncode == 0

    text = openssl_text(tmp_path / "server/server.crt")
    assert "Signature Algorithm: sha256WithRSAEncryption" in text
    assert "Public-Key: (2048 bit)" in text
    assert "Issuer: CN = Example Root" in text
    assert re.search(r"X509v3 Key Usage: critical\s+Digital Signature, Key Encipherment\n", text), text
    assert re.search(r"X509v3 Subject Alternative Name:\s+DNS:www.test.com, DNS:test.com, IP Address:127.0.0.1\n",
                     text), text
    assert "Public-Key: (3072 bit)" in openssl_text(ca)
    # The server certificate file contains the server certificate alone.
    assert (tmp_path / "server/server.crt").read_text().count("BEGIN CERTIFICATE") == 1
    assert (f"tollgate certificate create --name server --type server --certificate {tmp_path}/server/server.crt "
            f"--private-key {tmp_path}/server/server.key") in server.stdout


def test_pki_p384_signs_with_sha384(tmp_path):
    run_pki_ok("quickstart", "--out", tmp_path, "--curve", "P-384", "--dns", "lb.example")
    text = openssl_text(tmp_path / "server/server.crt")
    assert "Signature Algorithm: ecdsa-with-SHA384" in text
    assert "NIST CURVE: P-384" in text
    assert re.search(r"X509v3 Subject Alternative Name:\s+DNS:lb.example\n", text), text


def test_pki_p12_from_environment(quickstart, tmp_path):
    root, _ = quickstart
    password = "env-" + secrets.token_hex(8)
    completed = run_pki_ok("p12", "--cert", root / "client/client.crt", "--key", root / "client/client.key",
                           "--ca", root / "ca/ca.crt", "--out", tmp_path / "alice.p12",
                           env={PASSWORD_VARIABLE: password})
    assert password not in completed.stdout + completed.stderr
    assert oct(os.stat(tmp_path / "alice.p12").st_mode & 0o777) == "0o600"

    password_file = tmp_path / "password"
    password_file.write_text(password + "\n")
    listing, _ = import_into_nss(tmp_path, tmp_path / "alice.p12", password_file)
    assert re.search(r"^tollgate client\s+u,u,u\s*$", listing, re.MULTILINE), listing


def test_pki_p12_password_file_wins(quickstart, tmp_path):
    root, _ = quickstart
    password_file = tmp_path / "password"
    password_file.write_text("from-the-file\n")
    run_pki_ok("p12", "--cert", root / "client/client.crt", "--key", root / "client/client.key", "--out",
               tmp_path / "alice.p12", "--password-file", password_file, env={PASSWORD_VARIABLE: "from-the-env"})
    verified = subprocess.run(["openssl", "pkcs12", "-info", "-noout", "-in", str(tmp_path / "alice.p12"),
                               "-passin", "pass:from-the-file"], capture_output=True, text=True, timeout=TIMEOUT)
    assert verified.returncode == 0, verified.stderr


def test_pki_p12_has_no_password_flag(quickstart, tmp_path):
    root, _ = quickstart
    completed = run_pki("p12", "--cert", root / "client/client.crt", "--key", root / "client/client.key", "--out",
                        tmp_path / "alice.p12", "--password", "secret")
    assert completed.returncode != 0
    assert "The following arguments were not expected: secret --password" in completed.stderr
    assert not (tmp_path / "alice.p12").exists()
    help_text = run_pki("p12", "--help").stdout
    assert re.findall(r"--password\S*", help_text) == ["--password-file"]


def test_pki_p12_without_terminal(quickstart, tmp_path):
    root, _ = quickstart
    completed = run_pki("p12", "--cert", root / "client/client.crt", "--key", root / "client/client.key", "--out",
                        tmp_path / "alice.p12")
    assert completed.returncode == 2
    assert completed.stderr == ("error: no terminal to ask for the .p12 password on; pass --password-file FILE or "
                                f"set {PASSWORD_VARIABLE}\n")
    assert not (tmp_path / "alice.p12").exists()


class Terminal:
    """`tollgate pki ARGUMENTS` on a new pseudo-terminal that is its controlling terminal."""

    def __init__(self, arguments):
        self.master, slave = pty.openpty()
        self.process = subprocess.Popen(
            [str(BINARY), "pki", *map(str, arguments)], stdin=slave, stdout=slave, stderr=slave,
            env=pki_environment(), start_new_session=True,
            preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0))
        os.close(slave)
        self.transcript = b""

    def _read_available(self, timeout):
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return False
        try:
            chunk = os.read(self.master, 4096)
        except OSError:  # EIO: the process closed its side
            return False
        self.transcript += chunk
        return bool(chunk)

    def wait_for(self, text):
        deadline = time.monotonic() + TIMEOUT
        while text.encode() not in self.transcript:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"timed out waiting for {text!r}; terminal shows {self.transcript!r}"
            if not self._read_available(remaining) and self.process.poll() is not None:
                raise AssertionError(f"exited before {text!r}; terminal shows {self.transcript!r}")

    def type_line(self, text):
        os.write(self.master, text.encode() + b"\n")

    def finish(self):
        """Wait for the exit, read what is left, and return the exit code."""
        code = self.process.wait(TIMEOUT)
        while self._read_available(0.1):
            pass
        os.close(self.master)
        return code

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(TIMEOUT)


@pytest.fixture
def terminal():
    """Return a function that starts `tollgate pki ARGUMENTS` on a Terminal; each is killed by PID afterwards."""
    started = []

    def start(*arguments):
        started.append(Terminal(arguments))
        return started[-1]

    yield start
    for instance in started:
        instance.stop()


def test_pki_p12_prompt_twice_without_echo(quickstart, tmp_path, terminal):
    root, _ = quickstart
    password = "typed-" + secrets.token_hex(8)
    session = terminal("p12", "--cert", root / "client/client.crt", "--key", root / "client/client.key", "--ca",
                       root / "ca/ca.crt", "--out", tmp_path / "alice.p12")

    session.wait_for("Enter the .p12 password: ")
    session.type_line(password)
    session.wait_for("Repeat the .p12 password: ")
    # The first password has been read; neither ps nor /proc shows it.
    processes = subprocess.run(["ps", "-ww", "-eo", "pid,args"], capture_output=True, text=True, check=True).stdout
    assert str(session.process.pid) in processes
    assert password not in processes
    assert password.encode() not in Path(f"/proc/{session.process.pid}/cmdline").read_bytes()
    session.type_line(password)

    assert session.finish() == 0, session.transcript
    assert password.encode() not in session.transcript
    assert b"Wrote " in session.transcript
    verified = subprocess.run(["openssl", "pkcs12", "-info", "-noout", "-in", str(tmp_path / "alice.p12"),
                               "-passin", f"pass:{password}"], capture_output=True, text=True, timeout=TIMEOUT)
    assert verified.returncode == 0, verified.stderr


def test_pki_p12_prompt_mismatch(quickstart, tmp_path, terminal):
    root, _ = quickstart
    session = terminal("p12", "--cert", root / "client/client.crt", "--key", root / "client/client.key", "--out",
                       tmp_path / "alice.p12")
    session.wait_for("Enter the .p12 password: ")
    session.type_line("first-password")
    session.wait_for("Repeat the .p12 password: ")
    session.type_line("second-password")

    assert session.finish() == 2
    assert b"error: the two passwords differ; run the command again" in session.transcript
    assert not (tmp_path / "alice.p12").exists()


def read_all(root, names):
    return {name: (root / name).read_bytes() for name in names}


def test_pki_quickstart_force_rules(tmp_path):
    run_pki_ok("quickstart", "--out", tmp_path)
    before = read_all(tmp_path, QUICKSTART_FILES)

    again = run_pki("quickstart", "--out", tmp_path)
    assert again.returncode == 2
    listed = ", ".join(str(tmp_path / name) for name in QUICKSTART_FILES)
    assert again.stderr == f"error: {listed} already exist; use --force to replace them\n"
    assert read_all(tmp_path, QUICKSTART_FILES) == before

    run_pki_ok("quickstart", "--out", tmp_path, "--force")
    after = read_all(tmp_path, QUICKSTART_FILES)
    assert all(after[name] != before[name] for name in QUICKSTART_FILES)
    assert file_modes(tmp_path, SECRET_FILES) == {name: "0o600" for name in SECRET_FILES}


def test_pki_ca_force_rules(tmp_path):
    run_pki_ok("ca", "--out", tmp_path)
    (tmp_path / "ca.key").chmod(0o644)
    again = run_pki("ca", "--out", tmp_path)
    assert again.returncode == 2
    assert again.stderr == (f"error: {tmp_path}/ca.crt, {tmp_path}/ca.key already exist; use --force to replace "
                            "them\n")

    run_pki_ok("ca", "--out", tmp_path, "--force")
    # The replaced key is a new file with mode 0600, not the old file rewritten.
    assert oct(os.stat(tmp_path / "ca.key").st_mode & 0o777) == "0o600"


def test_pki_p12_force_rules(quickstart, tmp_path):
    root, _ = quickstart
    (tmp_path / "alice.p12").write_text("keep")
    arguments = ["p12", "--cert", root / "client/client.crt", "--key", root / "client/client.key", "--out",
                 tmp_path / "alice.p12"]
    refused = run_pki(*arguments, env={PASSWORD_VARIABLE: "secret"})
    assert refused.returncode == 2
    assert refused.stderr == f"error: {tmp_path}/alice.p12 already exists; use --force to replace it\n"
    assert (tmp_path / "alice.p12").read_text() == "keep"

    run_pki_ok(*arguments, "--force", env={PASSWORD_VARIABLE: "secret"})
    assert (tmp_path / "alice.p12").read_bytes() != b"keep"


@pytest.mark.parametrize("arguments, message", [
    (["quickstart", "--rsa-bits", "3072"], "--rsa-bits applies to --key-type rsa only"),
    (["quickstart", "--key-type", "rsa", "--curve", "P-384"], "--curve applies to --key-type ec only"),
    (["quickstart", "--dns", "bad_name.example"],
     'invalid DNS name "bad_name.example": use labels of letters, digits and inner hyphens separated by dots, '
     'optionally starting with "*.", without a trailing dot, and internationalized names in their "xn--" form'),
    (["quickstart", "--dns", "10.0.0.1"], '"10.0.0.1" is an IP address, not a DNS name: pass it with --ip'),
    (["quickstart", "--ip", "localhost"],
     'invalid IP address "localhost": use an IPv4 address such as 127.0.0.1 or an IPv6 address such as ::1'),
    (["server", "--ca", "{tmp}/missing", "--out", "{tmp}/server", "--dns", "a.example"],
     "the CA certificate {tmp}/missing/ca.crt does not exist; create a CA with `tollgate pki ca --out "
     "{tmp}/missing` or pass the directory of yours"),
])
def test_pki_rejects_invalid_input(tmp_path, arguments, message):
    arguments = [argument.replace("{tmp}", str(tmp_path)) for argument in arguments]
    if arguments[0] == "quickstart":
        arguments += ["--out", str(tmp_path / "out")]
    completed = run_pki(*arguments)
    assert completed.returncode == 2
    assert completed.stderr == f"error: {message.replace('{tmp}', str(tmp_path))}\n"
    assert not (tmp_path / "out").exists()


def test_pki_server_days_warning(tmp_path):
    run_pki_ok("ca", "--out", tmp_path / "ca")
    completed = run_pki_ok("server", "--ca", tmp_path / "ca", "--dns", "a.example", "--out", tmp_path / "server",
                           "--days", "900")
    assert completed.stderr == ("warning: Apple platforms (iOS 13, macOS 10.15 and later) reject TLS server "
                                "certificates valid for more than 825 days; this one is valid for 900\n")
