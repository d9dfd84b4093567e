"""Certificates of the tests.

The guide's certificates come from its openssl commands, run as written in a folder per
digest: once with -sha256 and once with -sha1 as the guide has it. The defective client
certificates (another CA, expired, not yet valid, serverAuth only, a CA impostor) are made
with python3-cryptography.
"""

import datetime
import subprocess
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

P12_PASSWORD = "tollgate-e2e"

_CA_CONF = """[ req ]
distinguished_name     = req_distinguished_name
prompt                 = no

[ req_distinguished_name ]
 O                      = ELB
"""

# The guide uses the same file for the server and the client certificate.
_LEAF_CONF = """[ req ]
distinguished_name     = req_distinguished_name
prompt                 = no

[ req_distinguished_name ]
 O                      = ELB
 CN                     = www.test.com
"""


@dataclass(frozen=True)
class ClientCertificate:
    cert: Path
    key: Path
    subject: str  # RFC 4514, e.g. "CN=www.test.com,O=ELB"

    def load(self):
        return x509.load_pem_x509_certificate(self.cert.read_bytes())


@dataclass(frozen=True)
class GuideCertificates:
    root: Path  # contains ca/, server/ and client/ as the guide lays them out
    digest: str  # "sha256" or "sha1"
    ca_cert: Path
    ca_key: Path
    server_cert: Path
    server_key: Path
    client: ClientCertificate
    client_p12: Path


@dataclass(frozen=True)
class DefectiveCertificates:
    other_ca_cert: Path
    other_ca_client: ClientCertificate  # valid, but from a CA tollgate does not trust
    expired_client: ClientCertificate
    not_yet_valid_client: ClientCertificate
    server_auth_client: ClientCertificate  # extendedKeyUsage serverAuth only
    impostor_client: ClientCertificate  # signed by another key under the guide CA's name


def _openssl(folder, *arguments):
    completed = subprocess.run(["openssl", *arguments], cwd=folder, capture_output=True, text=True)
    if completed.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(arguments)} failed in {folder}: {completed.stderr}")


def make_guide_certificates(base, digest):
    """Run the guide's commands in `base`/guide-`digest` and return the files they made."""
    root = Path(base) / f"guide-{digest}"
    ca, server, client = root / "ca", root / "server", root / "client"
    for folder in (ca, server, client):
        folder.mkdir(parents=True)

    (ca / "ca_cert.conf").write_text(_CA_CONF)
    _openssl(ca, "genrsa", "-out", "ca.key", "2048")
    _openssl(ca, "req", "-out", "ca.csr", "-key", "ca.key", "-new", "-config", "./ca_cert.conf")
    _openssl(ca, "x509", "-req", "-in", "ca.csr", "-out", "ca.crt", f"-{digest}", "-days", "5000",
             "-signkey", "ca.key")

    for folder, name in ((server, "server"), (client, "client")):
        (folder / f"{name}_cert.conf").write_text(_LEAF_CONF)
        _openssl(folder, "genrsa", "-out", f"{name}.key", "2048")
        _openssl(folder, "req", "-out", f"{name}.csr", "-key", f"{name}.key", "-new",
                 "-config", f"./{name}_cert.conf")
        _openssl(folder, "x509", "-req", "-in", f"{name}.csr", "-out", f"{name}.crt", f"-{digest}",
                 "-CAcreateserial", "-days", "5000", "-CA", "../ca/ca.crt", "-CAkey", "../ca/ca.key")

    # The guide types the export password at a prompt; -passout gives the same answer.
    _openssl(client, "pkcs12", "-export", "-clcerts", "-in", "client.crt", "-inkey", "client.key",
             "-out", "client.p12", "-passout", f"pass:{P12_PASSWORD}")

    client_cert = x509.load_pem_x509_certificate((client / "client.crt").read_bytes())
    return GuideCertificates(
        root=root,
        digest=digest,
        ca_cert=ca / "ca.crt",
        ca_key=ca / "ca.key",
        server_cert=server / "server.crt",
        server_key=server / "server.key",
        client=ClientCertificate(client / "client.crt", client / "client.key",
                                 client_cert.subject.rfc4514_string()),
        client_p12=client / "client.p12",
    )


def _new_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(organization, common_name=None):
    attributes = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization)]
    if common_name:
        attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attributes)


def _now():
    return datetime.datetime.now(datetime.timezone.utc)


def _make_ca(subject):
    key = _new_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_now() - datetime.timedelta(days=1))
        .not_valid_after(_now() + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                     key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, key_cert_sign=True, crl_sign=True,
                                     encipher_only=False, decipher_only=False), critical=True)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def _write_client(folder, name, issuer_name, issuer_key, common_name, not_before, not_after, usage):
    """Issue a client certificate for O=ELB,CN=`common_name` and write `name`.crt and .key."""
    key = _new_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("ELB", common_name))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .sign(issuer_key, hashes.SHA256())
    )
    cert_path, key_path = folder / f"{name}.crt", folder / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.TraditionalOpenSSL,
                                           serialization.NoEncryption()))
    return ClientCertificate(cert_path, key_path, cert.subject.rfc4514_string())


def make_defective_certificates(base, guide):
    """Make client certificates that a listener trusting `guide`'s CA must reject."""
    folder = Path(base) / "defective"
    folder.mkdir(parents=True)
    guide_ca = x509.load_pem_x509_certificate(guide.ca_cert.read_bytes())
    guide_key = serialization.load_pem_private_key(guide.ca_key.read_bytes(), password=None)
    now = _now()
    valid = (now - datetime.timedelta(days=1), now + datetime.timedelta(days=365))
    client_auth, server_auth = ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.SERVER_AUTH

    other_ca, other_key = _make_ca(_name("Other CA"))
    other_ca_path = folder / "other_ca.crt"
    other_ca_path.write_bytes(other_ca.public_bytes(serialization.Encoding.PEM))
    # Same issuer name as the guide CA but another key, so only the signature gives it away.
    _, impostor_key = _make_ca(guide_ca.subject)

    return DefectiveCertificates(
        other_ca_cert=other_ca_path,
        other_ca_client=_write_client(folder, "other_ca_client", other_ca.subject, other_key,
                                      "other-ca.client.test", *valid, client_auth),
        expired_client=_write_client(folder, "expired_client", guide_ca.subject, guide_key,
                                     "expired.client.test", now - datetime.timedelta(days=30),
                                     now - datetime.timedelta(days=1), client_auth),
        not_yet_valid_client=_write_client(folder, "not_yet_valid_client", guide_ca.subject, guide_key,
                                           "not-yet-valid.client.test", now + datetime.timedelta(days=1),
                                           now + datetime.timedelta(days=30), client_auth),
        server_auth_client=_write_client(folder, "server_auth_client", guide_ca.subject, guide_key,
                                         "server-auth.client.test", *valid, server_auth),
        impostor_client=_write_client(folder, "impostor_client", guide_ca.subject, impostor_key,
                                      "impostor.client.test", *valid, client_auth),
    )


@dataclass(frozen=True)
class RotationCertificates:
    server_cert: Path  # a second server certificate from the guide CA, with another serial
    server_key: Path
    new_ca_cert: Path  # a CA that replaces the guide CA
    new_ca_client: ClientCertificate  # issued by new_ca_cert


def make_rotation_certificates(base, guide):
    """Make what rotating the server certificate and the client CA of `guide` needs."""
    folder = Path(base) / "rotation"
    folder.mkdir(parents=True)
    guide_ca = x509.load_pem_x509_certificate(guide.ca_cert.read_bytes())
    guide_key = serialization.load_pem_private_key(guide.ca_key.read_bytes(), password=None)
    now = _now()

    server_key = _new_key()
    server_cert = (
        x509.CertificateBuilder()
        .subject_name(_name("ELB", "rotated.test"))
        .issuer_name(guide_ca.subject)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("rotated.test")]), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(guide_key, hashes.SHA256())
    )
    server_cert_path, server_key_path = folder / "server2.crt", folder / "server2.key"
    server_cert_path.write_bytes(server_cert.public_bytes(serialization.Encoding.PEM))
    server_key_path.write_bytes(server_key.private_bytes(serialization.Encoding.PEM,
                                                         serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption()))

    new_ca, new_ca_key = _make_ca(_name("ELB", "Rotated CA"))
    new_ca_path = folder / "new_ca.crt"
    new_ca_path.write_bytes(new_ca.public_bytes(serialization.Encoding.PEM))
    client = _write_client(folder, "new_ca_client", new_ca.subject, new_ca_key, "rotated.client.test",
                           now - datetime.timedelta(days=1), now + datetime.timedelta(days=365),
                           ExtendedKeyUsageOID.CLIENT_AUTH)
    return RotationCertificates(server_cert_path, server_key_path, new_ca_path, client)
