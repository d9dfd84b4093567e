"""Certificate problems found at start-up name the certificate resource, its field and file.

A server certificate paired with another certificate's key must stop tollgate with exit code
2, and so must a private key encrypted with a passphrase. The `config error:` line names
`certificates[srv].private_key_file` with the file's path and states what is wrong and how
to fix it.
"""

import subprocess

from support.config import config_text, https_listener, member
from support.ports import free_port

CERTIFICATES = """
certificates:
  - {{id: srv, type: server, certificate_file: {certificate}, private_key_file: {key}}}
"""


def start_with_key(tollgate, guide, key):
    port = free_port()
    certificates = CERTIFICATES.format(certificate=guide.root / "server" / "server.crt", key=key)
    process = tollgate(config_text([https_listener(port)], [member(free_port())], certificates), [], start=False)
    return process.start_expecting_failure()


def test_startup_key_mismatch_names_file(tollgate, guide_sha256):
    key = guide_sha256.root / "client" / "client.key"

    code, log = start_with_key(tollgate, guide_sha256, key)

    assert code == 2
    expected = (f'config error: certificates[srv].private_key_file "{key}": The private key does not match '
                'certificate 1 "CN=www.test.com,O=ELB". Upload the key that was generated with this certificate.')
    assert expected in log, log


def test_startup_encrypted_key_names_file(tollgate, guide_sha256, tmp_path):
    key = tmp_path / "encrypted.key"
    subprocess.run(["openssl", "pkey", "-in", str(guide_sha256.root / "server" / "server.key"), "-aes256",
                    "-passout", "pass:secret", "-out", str(key)], check=True)

    code, log = start_with_key(tollgate, guide_sha256, key)

    assert code == 2
    assert f'config error: certificates[srv].private_key_file "{key}": ' in log, log
    assert "encrypted" in log
    assert "openssl pkey -in server.key -out server-decrypted.key" in log
