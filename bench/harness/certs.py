"""Create the throw-away PKI of one benchmark run with the openssl command line."""

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

CA_CONFIG = """\
[req]
distinguished_name = dn
[dn]
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
"""

SERVER_EXTENSIONS = """\
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:localhost
authorityKeyIdentifier = keyid
"""

CLIENT_EXTENSIONS = """\
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
authorityKeyIdentifier = keyid
"""

VALID_DAYS = "2"


@dataclass
class Certificates:
    ca_cert: Path
    server_cert: Path
    server_key: Path
    server_pem: Path  # certificate followed by key, the form HAProxy's `crt` takes
    client_cert: Path
    client_key: Path


def _openssl(*args: str, cwd: Path) -> None:
    result = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args)} failed:\n{result.stderr}")


def _new_key(name: str, cwd: Path) -> None:
    _openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", name, cwd=cwd)


def _issue(name: str, subject: str, extensions: str, cwd: Path) -> None:
    _new_key(f"{name}.key", cwd)
    _openssl("req", "-new", "-key", f"{name}.key", "-subj", subject, "-out", f"{name}.csr",
             "-config", "ca.cnf", cwd=cwd)
    (cwd / f"{name}.ext").write_text(extensions)
    serial = "0x" + os.urandom(8).hex()
    _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-set_serial", serial,
             "-days", VALID_DAYS, "-sha256", "-extfile", f"{name}.ext", "-out", f"{name}.crt", cwd=cwd)


def make_certificates(directory: Path) -> Certificates:
    """Create a CA, a server certificate for 127.0.0.1 and localhost, and a client
    certificate, all RSA 2048 signed with SHA-256, in `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "ca.cnf").write_text(CA_CONFIG)
    _new_key("ca.key", directory)
    _openssl("req", "-x509", "-new", "-key", "ca.key", "-subj", "/O=tollgate bench/CN=tollgate bench CA",
             "-days", VALID_DAYS, "-sha256", "-config", "ca.cnf", "-extensions", "ca", "-out", "ca.crt",
             cwd=directory)
    _issue("server", "/O=tollgate bench/CN=localhost", SERVER_EXTENSIONS, directory)
    _issue("client", "/O=tollgate bench/CN=bench-client", CLIENT_EXTENSIONS, directory)

    server_pem = directory / "server.pem"
    server_pem.write_text((directory / "server.crt").read_text() + (directory / "server.key").read_text())
    return Certificates(
        ca_cert=directory / "ca.crt",
        server_cert=directory / "server.crt",
        server_key=directory / "server.key",
        server_pem=server_pem,
        client_cert=directory / "client.crt",
        client_key=directory / "client.key",
    )
