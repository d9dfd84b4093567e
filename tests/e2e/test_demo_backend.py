"""`tollgate demo-backend`: the quickstart's backend, which responds with the headers it received."""

import json
import signal
import subprocess

import pytest

from support.clients import curl
from support.settings import BINARY, TIMEOUT


@pytest.fixture
def demo():
    """Start `tollgate demo-backend` on a free port; yield (process, base URL); stop it by PID."""
    process = subprocess.Popen([str(BINARY), "demo-backend", "--listen", "127.0.0.1:0", "--name", "blue"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first_line = process.stdout.readline().strip()
        assert first_line.startswith("demo-backend blue listening on http://127.0.0.1:"), first_line
        yield process, first_line.rsplit(" ", 1)[1]
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=TIMEOUT)


def test_text_lists_headers(demo):
    process, url = demo
    result = curl(f"{url}/hello?x=1", headers=["X-Forwarded-Clientcert-subjectdn: CN=alice,O=Example",
                                               "X-Forwarded-Clientcert-clientverify: SUCCESS"])
    assert result.status == 200
    assert result.header("content-type") == "text/plain; charset=utf-8"
    assert result.header("x-backend-name") == "blue"
    lines = result.body.decode().splitlines()
    assert lines[0].startswith("demo-backend blue got GET /hello?x=1 from 127.0.0.1:")
    assert lines[1] == 'The client presented the certificate "CN=alice,O=Example", verification result SUCCESS.'
    assert "  X-Forwarded-Clientcert-subjectdn: CN=alice,O=Example" in lines
    assert "  Accept: */*" in lines


def test_text_without_certificate_headers(demo):
    process, url = demo
    lines = curl(f"{url}/").body.decode().splitlines()
    assert lines[1] == ("No client certificate headers arrived: the listener inserts none, or the client sent "
                        "no certificate.")


def test_json_response(demo):
    process, url = demo
    result = curl(f"{url}/api", method="POST", body=b"ignored", headers=["Accept: application/json"])
    assert result.header("content-type") == "application/json"
    answer = json.loads(result.body)
    assert answer["backend"] == "blue"
    assert answer["method"] == "POST"
    assert answer["target"] == "/api"
    assert ["Accept", "application/json"] in answer["headers"]


def test_html_escapes_values(demo):
    process, url = demo
    result = curl(f"{url}/page", headers=["Accept: text/html", "X-Forwarded-Clientcert-subjectdn: CN=<b>x</b>"])
    page = result.body.decode()
    assert result.header("content-type") == "text/html; charset=utf-8"
    assert '<p id="certificate">The client presented the certificate &quot;CN=&lt;b&gt;x&lt;/b&gt;&quot;.</p>' in page
    assert "<b>x</b>" not in page


def test_sigterm_stops_and_requests_logged(demo):
    process, url = demo
    curl(f"{url}/logged")
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=TIMEOUT) == 0
    assert "GET /logged from 127.0.0.1:" in process.stderr.read()


def test_invalid_listen_address():
    completed = subprocess.run([str(BINARY), "demo-backend", "--listen", "localhost"], capture_output=True,
                               text=True, timeout=TIMEOUT)
    assert completed.returncode == 2
    assert completed.stderr == ('demo-backend: --listen: invalid address "localhost": use ADDRESS:PORT, for '
                                "example 127.0.0.1:8080 or [::1]:8080\n")
