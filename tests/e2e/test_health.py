"""Active and passive health checks of pool members.

Real backend processes serve an HTTP listener. The tests stop and restart backends, read
each member's operating_status from the API, and count which backend served each request by
the X-Backend-Name header and by the backends' own request logs. Time bounds are measured
from the moment of the change: a member goes OFFLINE within delay x max_retries_down +
timeout and comes back ONLINE within delay x max_retries.
"""

import http.client
import re
import time

import pytest
from support.backend import Backend
from support.elb import create, elb
from support.ports import assert_not_listening, free_port
from support.settings import SANITIZE, TIMEOUT, wait_until

# Allowance on top of a computed bound for polling, process scheduling and the API round
# trip. AddressSanitizer builds respond several times slower.
SLACK = 1.5 if SANITIZE else 0.5


@pytest.fixture
def restartable_backend(tmp_path):
    """Return a function that starts a backend on a given port, stopped by its PID after the test."""
    started = []

    def start(name, port=0):
        backend = Backend(name, tmp_path, port=port)
        started.append(backend)
        return backend

    yield start
    for backend in started:
        backend.stop()
    assert_not_listening([backend.port for backend in started])


def get(port, path="/echo"):
    """Send one GET on a new connection; return (status, backend name or None, body text)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        connection.request("GET", path, headers={"Connection": "close"})
        response = connection.getresponse()
        return response.status, response.getheader("X-Backend-Name"), response.read().decode()
    finally:
        connection.close()


def build_pool(server, port, backends, pool_fields=None):
    """Create a load balancer, an HTTP listener on `port` and a pool with one member per backend.

    Returns (pool id, {backend name: member id}).
    """
    server.ports.append(port)
    loadbalancer = create(server, "loadbalancers", "loadbalancer", {"vip_address": "127.0.0.1"})
    listener = create(server, "listeners", "listener", {
        "loadbalancer_id": loadbalancer, "protocol": "HTTP", "protocol_port": port})
    pool = create(server, "pools", "pool", {
        "lb_algorithm": "ROUND_ROBIN", "protocol": "HTTP", "listener_id": listener, **(pool_fields or {})})
    members = {}
    for name, backend_port in backends:
        members[name] = create(server, f"pools/{pool}/members", "member", {
            "address": "127.0.0.1", "protocol_port": backend_port})
    return pool, members


def member_status(server, pool, member):
    response = elb(server, "GET", f"/pools/{pool}/members/{member}")
    assert response.status_code == 200, response.text
    return response.json()["member"]


def wait_for_status(server, pool, member, status, timeout=TIMEOUT):
    """Poll the member until its operating_status is `status`; return the seconds it took."""
    started = time.monotonic()
    wait_until(lambda: member_status(server, pool, member)["operating_status"] == status,
               f"member {member} to be {status}", timeout)
    return time.monotonic() - started


def connect_failures(server, port):
    return server.find_lines(rf"\bm=127\.0\.0\.1:{port}\] connect failed\b")


def serve_until(port, name, limit=20):
    """Send requests until backend `name` serves one; return the names that served them all.

    Each request opens a new connection, which either worker may accept, and each worker
    balances on its own, so the order of the names is not fixed.
    """
    served = []
    while name not in served:
        assert len(served) < limit, f"{name} served none of {limit} requests: {served}"
        status, served_by, _ = get(port)
        assert status == 200
        served.append(served_by)
    return served


def test_stopped_backend_offline_then_online(store_server, start_backend, restartable_backend):
    """A TCP monitor takes a stopped backend out and puts it back once it listens again."""
    first = start_backend("first")
    second = restartable_backend("second")
    server = store_server()
    port = free_port()
    pool, members = build_pool(server, port, [("first", first.port), ("second", second.port)])
    monitor = create(server, "healthmonitors", "healthmonitor", {
        "pool_id": pool, "type": "TCP", "delay": 1, "timeout": 1, "max_retries": 2, "max_retries_down": 3})

    # New members of a monitored pool start ONLINE, so both serve at once.
    assert member_status(server, pool, members["first"])["operating_status"] == "ONLINE"
    assert member_status(server, pool, members["second"])["operating_status"] == "ONLINE"
    assert set(serve_until(port, "second") + serve_until(port, "first")) == {"first", "second"}

    second_port = second.port
    second.stop()
    took = wait_for_status(server, pool, members["second"], "OFFLINE")
    # Three failed probes one second apart: at least two delays, at most 3 x 1 + 1 seconds.
    assert 2.0 - SLACK <= took <= 3 * 1 + 1 + SLACK, took
    offline = member_status(server, pool, members["second"])
    assert offline["reason"]["reason_code"] == "CONNECT_REFUSED"
    down_line = server.wait_for_line(r"\bmember down pool=")
    assert (f"member down pool={pool} member={members['second']} address=127.0.0.1:{second_port} failures=3 "
            'reason="connection refused"') in down_line

    # No request goes to the OFFLINE member, so none even tries to connect to it.
    failures_before = len(connect_failures(server, second_port))
    first_before = len(first.requests())
    results = [get(port) for _ in range(20)]
    assert [(status, name) for status, name, _ in results] == [(200, "first")] * 20
    assert len(first.requests()) == first_before + 20
    assert len(connect_failures(server, second_port)) == failures_before

    restarted = restartable_backend("second", port=second_port)
    took = wait_for_status(server, pool, members["second"], "ONLINE")
    # Two successful probes one second apart, so between one and two delays.
    assert 1.0 - SLACK <= took <= 2 * 1 + SLACK, took
    assert member_status(server, pool, members["second"])["reason"] is None
    assert server.wait_for_line(r"\bmember up pool=")

    served = serve_until(port, "second")
    assert len(restarted.requests()) == served.count("second")

    # The status tree reports the live member states under the monitored pool.
    loadbalancer = elb(server, "GET", f"/pools/{pool}").json()["pool"]["loadbalancers"][0]["id"]
    tree = elb(server, "GET", f"/loadbalancers/{loadbalancer}/statuses").json()["statuses"]["loadbalancer"]
    tree_pool = tree["pools"][0]
    assert tree_pool["healthmonitor"]["id"] == monitor
    assert {entry["operating_status"] for entry in tree_pool["members"]} == {"ONLINE"}


def test_http_monitor_status_not_expected(store_server, start_backend):
    """An HTTP monitor marks a member OFFLINE when url_path responds outside expected_codes."""
    backend = start_backend("only")
    server = store_server()
    port = free_port()
    pool, members = build_pool(server, port, [("only", backend.port)])
    member = members["only"]
    monitor = create(server, "healthmonitors", "healthmonitor", {
        "pool_id": pool, "type": "HTTP", "delay": 1, "timeout": 1, "max_retries": 1, "max_retries_down": 2,
        "url_path": "/status/500", "expected_codes": "200-299", "domain_name": "health.example.com",
        "http_method": "GET"})

    took = wait_for_status(server, pool, member, "OFFLINE")
    assert took <= 1 * 2 + 1 + SLACK, took
    reason = member_status(server, pool, member)["reason"]
    assert reason == {"reason_code": "RESPONSE_MISMATCH", "expected_response": "200-299",
                      "healthcheck_response": "500"}
    assert server.wait_for_line(r'\bmember down pool=.* reason="status 500 not in 200-299"')

    probes = [request for request in backend.requests() if request["path"] == "/status/500"]
    assert probes, "the backend received no probe"
    headers = {name.lower(): value for name, value in probes[0]["headers"]}
    assert probes[0]["method"] == "GET"
    assert headers["host"] == "health.example.com"
    assert headers["user-agent"] == "tollgate-health-check"

    # A changed monitor applies at once: 500 is now the expected code.
    updated = elb(server, "PUT", f"/healthmonitors/{monitor}", {"healthmonitor": {"expected_codes": "500"}})
    assert updated.status_code == 200, updated.text
    took = wait_for_status(server, pool, member, "ONLINE")
    assert took <= 1 * 1 + SLACK, took
    status, name, _ = get(port)
    assert (status, name) == (200, "only")


def test_no_healthy_member_gets_503(store_server, start_backend, tmp_path):
    """With every member OFFLINE the listener responds 503; file mode's read-only API shows it."""
    first, second = start_backend("first"), start_backend("second")
    port = free_port()
    config_path = tmp_path / "lb.yaml"
    config_path.write_text(f"""
loadbalancers:
  - {{id: lb1, vip_address: 127.0.0.1}}
listeners:
  - {{id: web, loadbalancer_id: lb1, protocol: HTTP, protocol_port: {port}, default_pool_id: app}}
pools:
  - id: app
    lb_algorithm: LEAST_CONNECTIONS
    protocol: HTTP
    members:
      - {{id: one, address: 127.0.0.1, protocol_port: {first.port}}}
      - {{id: two, address: 127.0.0.1, protocol_port: {second.port}}}
healthmonitors:
  - {{id: hm, pool_id: app, type: HTTP, delay: 1, timeout: 1, max_retries: 1, max_retries_down: 1, url_path: /echo}}
""")
    server = store_server(extra_arguments=["--config", str(config_path)])
    server.ports.append(port)
    assert get(port)[0] == 200

    first.stop()
    second.stop()
    for member in ("one", "two"):
        took = wait_for_status(server, "app", member, "OFFLINE")
        assert took <= 1 * 1 + 1 + SLACK, took

    status, name, body = get(port)
    assert status == 503
    assert name is None
    assert body == "503 Service Unavailable: no healthy backend\n"

    tree = elb(server, "GET", "/loadbalancers/lb1/statuses").json()["statuses"]["loadbalancer"]
    assert tree["operating_status"] == "DEGRADED"
    assert tree["pools"][0]["operating_status"] == "DEGRADED"
    assert [entry["operating_status"] for entry in tree["pools"][0]["members"]] == ["OFFLINE", "OFFLINE"]

    # A reload that keeps the members keeps them OFFLINE.
    reloaded = server.reload()
    assert reloaded.succeeded, reloaded.lines
    assert member_status(server, "app", "one")["operating_status"] == "OFFLINE"
    assert get(port)[0] == 503


def test_passive_ejection_and_return(store_server, start_backend, restartable_backend):
    """Connect failures eject a member without a monitor; after ejection_time it is tried again."""
    live = start_backend("live")
    dead_port = free_port()
    server = store_server()
    port = free_port()
    passive = {"consecutive_failures": 3, "ejection_time": 2, "max_ejection_time": 8}
    pool, members = build_pool(server, port, [("live", live.port), ("dead", dead_port)],
                               {"passive_health_check": passive})
    shown = elb(server, "GET", f"/pools/{pool}").json()["pool"]["passive_health_check"]
    assert shown == {"enable": True, **passive}
    assert member_status(server, pool, members["dead"])["operating_status"] == "NO_MONITOR"

    # Round robin sends every second request to the dead member first; each falls back.
    sent = 0
    while not server.find_lines(r"\bmember ejected pool="):
        status, name, _ = get(port)
        assert (status, name) == (200, "live")
        sent += 1
        assert sent <= 20, "no ejection after 20 requests"
    ejected_at = time.monotonic()
    assert len(connect_failures(server, dead_port)) == 3
    ejected_line = server.find_lines(r"\bmember ejected pool=")[0]
    assert (f"member ejected pool={pool} member={members['dead']} address=127.0.0.1:{dead_port} "
            'ejection_time=2s ejections=1 reason="connection refused"') in ejected_line
    dead = member_status(server, pool, members["dead"])
    assert dead["operating_status"] == "OFFLINE"
    assert dead["reason"]["reason_code"] == "CONNECT_REFUSED"

    # While ejected the member is skipped, even once a backend listens on its port again.
    revived = restartable_backend("revived", port=dead_port)
    while not revived.requests():
        status, name, _ = get(port)
        assert status == 200
        assert time.monotonic() - ejected_at <= 2 + SLACK + 1, "the ejected member was not tried again"
    returned_after = time.monotonic() - ejected_at
    assert returned_after >= 2 - SLACK / 2, returned_after
    assert len(connect_failures(server, dead_port)) == 3
    assert member_status(server, pool, members["dead"])["operating_status"] == "NO_MONITOR"


def test_passive_ejection_doubles(store_server, start_backend):
    """A member that fails again right after its ejection ends is ejected for twice as long."""
    live = start_backend("live")
    dead_port = free_port()
    server = store_server()
    port = free_port()
    pool, members = build_pool(server, port, [("live", live.port), ("dead", dead_port)], {
        "passive_health_check": {"consecutive_failures": 2, "ejection_time": 1, "max_ejection_time": 2}})

    def ejections():
        return [re.search(r"ejection_time=(\d+)s ejections=(\d+)", line).groups()
                for line in server.find_lines(r"\bmember ejected pool=")]

    deadline = time.monotonic() + TIMEOUT
    while len(ejections()) < 3:
        assert get(port)[0] == 200
        assert time.monotonic() < deadline, f"ejections so far: {ejections()}"
    # The first ejection needs two failures; each later one needs one, and its time doubles up
    # to max_ejection_time.
    assert ejections() == [("1", "1"), ("2", "2"), ("2", "3")]
    assert len(connect_failures(server, dead_port)) == 4
