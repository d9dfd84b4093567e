"""Private keys and the admin token stay secret.

After the guide's certificates are uploaded and used, the server key and the admin token
appear nowhere in the log, in API responses or on the process's command line. The database
contains no PEM private key in any table.
"""

import sqlite3
from pathlib import Path

from support.elb import build_guide, echo, elb
from support.ports import free_port


def key_lines(path):
    """The base64 lines of a PEM private key, each long enough to be unmistakable."""
    return [line for line in path.read_text().splitlines() if len(line) >= 40 and not line.startswith("-----")]


def test_keys_and_token_never_leak(store_server, start_backend, guide_sha256):
    backend = start_backend("secret")
    server = store_server()
    port = free_port()
    server.ports.append(port)
    ids = build_guide(server, guide_sha256, port, backend)
    assert echo(port, guide_sha256.client).status_code == 200

    secrets = key_lines(guide_sha256.server_key) + [server.token]
    responses = [
        elb(server, "GET", "/certificates").text,
        elb(server, "GET", f"/certificates/{ids['certificate']}").text,
        elb(server, "PUT", f"/certificates/{ids['certificate']}", {"certificate": {"name": "renamed"}}).text,
    ]
    for text in responses:
        assert "PRIVATE KEY" not in text
        assert not any(secret in text for secret in secrets)
    shown = elb(server, "GET", f"/certificates/{ids['certificate']}").json()["certificate"]
    assert shown["private_key"] == "******"

    log = server.log_text()
    assert "PRIVATE KEY" not in log
    assert not any(secret in log for secret in secrets)

    command_line = (Path(f"/proc/{server.process.pid}") / "cmdline").read_bytes().decode()
    assert server.token not in command_line

    for path in server.data_dir.glob("tollgate.db*"):
        raw = path.read_bytes()
        assert b"PRIVATE KEY" not in raw, f"PEM private key in {path.name}"
        assert not any(secret.encode() in raw for secret in secrets), f"key material in {path.name}"

    database = sqlite3.connect(server.data_dir / "tollgate.db")
    try:
        tables = [row[0] for row in database.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            for row in database.execute(f'SELECT * FROM "{table}"'):
                for value in row:
                    text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
                    assert "PRIVATE KEY" not in text, f"PEM private key in table {table}"
                    assert not any(secret in text for secret in secrets), f"key material in table {table}"
    finally:
        database.close()
