"""Metrics, access log and handshake log of a listener with mutual authentication.

A store-mode tollgate gets the guide's resources through the API. The tests send requests
with curl (with the client certificate, without one, with another CA's certificate), then
read /metrics with Prometheus' own text parser and the access log as written to its file.
"""

import datetime
import json
import re
import subprocess

import pytest
import requests
from cryptography import x509
from prometheus_client.parser import text_string_to_metric_families

from support.clients import curl
from support.elb import build_guide
from support.ports import free_port
from support.settings import TIMEOUT, wait_until


def scrape(server):
    """Return {(metric name, frozenset of labels): value} from /metrics, fetched without a token."""
    response = requests.get(f"{server.url}/metrics", timeout=TIMEOUT)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples, metric, **labels):
    return samples[(metric, frozenset(labels.items()))]


@pytest.fixture
def guide(store_server, start_backend, guide_sha256, tmp_path):
    """A started server with the guide's resources and an access log file; returns a namespace of them."""
    access_log = tmp_path / "access.log"
    server = store_server(extra_arguments=["--access-log", str(access_log)])
    backend = start_backend("app-1")
    port = free_port()
    server.ports.append(port)
    resources = build_guide(server, guide_sha256, port, backend)

    class Guide:
        pass

    guide = Guide()
    guide.server, guide.backend, guide.port, guide.access_log = server, backend, port, access_log
    guide.ids = resources
    guide.client = guide_sha256.client
    return guide


def test_metrics_count_requests_and_rejections(guide, defective):
    url = f"https://127.0.0.1:{guide.port}/echo"
    for _ in range(7):
        assert curl(url, cert=guide.client.cert, key=guide.client.key).status == 200
    for _ in range(3):
        assert curl(url).status == 0
    for _ in range(2):
        rejected = curl(url, cert=defective.other_ca_client.cert, key=defective.other_ca_client.key)
        assert rejected.status == 0
    listener = {"listener_id": guide.ids["listener"], "loadbalancer_id": guide.ids["loadbalancer"]}

    # A worker counts a connection's end after curl has seen the response.
    def drained():
        samples = scrape(guide.server)
        return samples if value(samples, "tollgate_active_connections", **listener) == 0 else None

    samples = wait_until(drained, "active connections to drop to 0")

    assert value(samples, "tollgate_http_responses_total", status_class="2xx", **listener) == 7
    assert value(samples, "tollgate_http_responses_total", status_class="5xx", **listener) == 0
    assert value(samples, "tollgate_connections_total", **listener) == 12
    assert value(samples, "tollgate_tls_handshakes_total", result="success", **listener) == 7
    assert value(samples, "tollgate_tls_handshakes_total", result="failure", reason="no_certificate",
                 **listener) == 3
    assert value(samples, "tollgate_tls_handshakes_total", result="failure", reason="unknown_ca", **listener) == 2
    assert value(samples, "tollgate_http_request_duration_seconds_count", **listener) == 7
    assert value(samples, "tollgate_tls_handshake_duration_seconds_count", **listener) == 7
    assert value(samples, "tollgate_received_bytes_total", **listener) > 7 * 50
    assert value(samples, "tollgate_sent_bytes_total", **listener) > 7 * 100
    member = {"pool_id": guide.ids["pool"], "member_id": guide.ids["member"],
              "address": f"127.0.0.1:{guide.backend.port}"}
    assert value(samples, "tollgate_member_status", status="NO_MONITOR", **member) == 1
    assert value(samples, "tollgate_member_status", status="OFFLINE", **member) == 0

    certificate = guide.server.api("GET", f"/v3/default/elb/certificates/{guide.ids['certificate']}").json()
    not_after = x509.load_pem_x509_certificate(certificate["certificate"]["certificate"].encode()).not_valid_after
    seconds_left = value(samples, "tollgate_certificate_expiry_seconds", certificate_id=guide.ids["certificate"],
                         name="", type="server")
    expected = (not_after - datetime.datetime.utcnow()).total_seconds()
    assert abs(seconds_left - expected) < 60


def test_metrics_can_be_turned_off(store_server):
    server = store_server(extra_arguments=["--no-metrics"])
    response = requests.get(f"{server.url}/metrics", timeout=TIMEOUT)
    assert response.status_code == 404


def read_access_log(path, count):
    """Wait until the access log has `count` lines and return them parsed."""
    def lines():
        written = path.read_text().splitlines() if path.exists() else []
        return written if len(written) >= count else None

    return [json.loads(line) for line in wait_until(lines, f"{count} access log lines in {path}")]


def test_access_log_has_every_field(guide):
    client_port = free_port()
    result = curl(f"https://www.test.com:{guide.port}/echo?x=1", cert=guide.client.cert, key=guide.client.key,
                  local_port=client_port, extra=["--resolve", f"www.test.com:{guide.port}:127.0.0.1"])
    assert result.status == 200, result.stderr

    [line] = read_access_log(guide.access_log, 1)
    client = x509.load_pem_x509_certificate(guide.client.cert.read_bytes())
    assert line["listener_id"] == guide.ids["listener"]
    assert line["loadbalancer_id"] == guide.ids["loadbalancer"]
    assert line["client_address"] == "127.0.0.1"
    assert line["client_port"] == client_port
    assert line["tls_version"] == "TLSv1.3"
    assert line["tls_cipher"].startswith("TLS_")
    assert line["sni"] == "www.test.com"
    assert line["client_cert_subject"] == guide.client.subject
    assert int(line["client_cert_serial"], 16) == client.serial_number
    assert line["client_cert_verify"] == "SUCCESS"
    assert line["method"] == "GET"
    assert line["host"] == f"www.test.com:{guide.port}"
    assert line["path"] == "/echo?x=1"
    assert line["status"] == 200
    assert line["bytes_received"] > 50
    assert line["bytes_sent"] > len(result.body)
    assert line["member_id"] == guide.ids["member"]
    assert line["member_address"] == f"127.0.0.1:{guide.backend.port}"
    assert 0 < line["upstream_time"] <= line["total_time"]
    assert re.fullmatch(r"[0-9a-f]{32}", line["request_id"])
    assert result.header("X-Request-Id") == line["request_id"]
    assert ["X-Request-Id", line["request_id"]] in guide.backend.requests()[-1]["headers"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["time"])


def test_client_request_id_is_kept(guide):
    result = curl(f"https://127.0.0.1:{guide.port}/echo", cert=guide.client.cert, key=guide.client.key,
                  headers=["X-Request-Id: trace-42"])
    assert result.header("X-Request-Id") == "trace-42"
    assert ["X-Request-Id", "trace-42"] in guide.backend.requests()[-1]["headers"]
    [line] = read_access_log(guide.access_log, 1)
    assert line["request_id"] == "trace-42"


def test_access_log_combined_format(store_server, start_backend, guide_sha256, tmp_path):
    access_log = tmp_path / "combined.log"
    server = store_server(extra_arguments=["--access-log", str(access_log), "--access-log-format", "combined"])
    backend = start_backend("app-1")
    port = free_port()
    server.ports.append(port)
    ids = build_guide(server, guide_sha256, port, backend)
    result = curl(f"https://127.0.0.1:{port}/echo", cert=guide_sha256.client.cert, key=guide_sha256.client.key)
    assert result.status == 200

    line = wait_until(lambda: access_log.exists() and access_log.read_text(), "the combined access log line")
    pattern = (rf'127\.0\.0\.1 - - \[\d\d/\w{{3}}/\d{{4}}:\d\d:\d\d:\d\d \+0000\] "GET /echo HTTP/1\.1" 200 \d+ "-" '
               rf'"curl/[\d.]+" request_id=[0-9a-f]{{32}} member=127\.0\.0\.1:{backend.port} '
               rf'upstream_time=[\d.]+ total_time=[\d.]+ client_cert="{re.escape(guide_sha256.client.subject)}"\n')
    assert re.fullmatch(pattern, line), line
    assert ids["listener"]


def test_handshake_log_summarises_repeats(guide):
    url = f"https://127.0.0.1:{guide.port}/echo"
    for _ in range(5):
        assert curl(url).status == 0
    listener = guide.ids["listener"]

    guide.server.wait_for_line(
        rf"handshakes rejected listener={listener} client=127\.0\.0\.1 reason=no_certificate repeats=4 window=10s")
    single = guide.server.find_lines(rf"handshake rejected listener={listener} .* reason=no_certificate ")
    assert len(single) == 1, single


def openssl_client(port, *options):
    """Run `openssl s_client` against the listener with `options`; return its combined output."""
    completed = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{port}", *options],
                               input=b"", capture_output=True, timeout=TIMEOUT)
    return (completed.stdout + completed.stderr).decode(errors="replace")


def test_rejection_reasons_reach_log_and_metrics(guide, defective, guide_sha1):
    url = f"https://127.0.0.1:{guide.port}/echo"
    for client in (defective.expired_client, defective.not_yet_valid_client, defective.server_auth_client,
                   defective.impostor_client):
        assert curl(url, cert=client.cert, key=client.key).status == 0
    # The guide's -sha1 client certificate, which the listener's security level 1 rejects.
    assert curl(url, cert=guide_sha1.client.cert, key=guide_sha1.client.key, seclevel0=True).status == 0
    openssl_client(guide.port, "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0")
    openssl_client(guide.port, "-tls1_2", "-cipher", "AES128-SHA")

    reasons = ["cert_expired", "cert_not_yet_valid", "bad_purpose", "bad_signature", "weak_signature",
               "protocol_mismatch", "cipher_mismatch"]
    listener = {"listener_id": guide.ids["listener"], "loadbalancer_id": guide.ids["loadbalancer"]}

    def all_counted():
        samples = scrape(guide.server)
        counts = {reason: value(samples, "tollgate_tls_handshakes_total", result="failure", reason=reason,
                                **listener) for reason in reasons}
        return counts if all(count == 1 for count in counts.values()) else None

    counts = wait_until(all_counted, "one rejection of each reason in /metrics")
    assert set(counts) == set(reasons)
    for reason in reasons:
        lines = guide.server.find_lines(rf"handshake rejected listener={guide.ids['listener']} .* reason={reason} ")
        assert len(lines) == 1, (reason, lines)
