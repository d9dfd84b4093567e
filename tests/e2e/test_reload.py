"""Configuration reload on SIGHUP under load, and a configuration that fails at start-up.

Client threads send requests with the client certificate, some on keep-alive connections
and some on a new connection each. Meanwhile tollgate reloads three files: (a) one that adds
a backend, which then starts receiving requests, (b) an invalid one, which is logged with
its error and leaves the old configuration serving, and (c) a valid one again. No request may
fail at any point. A file with an invalid value at start-up exits with code 2 and names the
field on stderr.
"""

import re
import threading
import warnings

import requests
import urllib3

from support.config import member, mtls_config
from support.ports import free_port
from support.settings import TIMEOUT, wait_until

LOAD_THREADS = 4


class Load:
    """Client threads that send GET /echo until stopped, counting successes and failures.

    Even-numbered threads keep one keep-alive session; odd-numbered threads open a new
    connection for every request.
    """

    def __init__(self, url, cert):
        self.url = url
        self.cert = cert
        self.stop_event = threading.Event()
        self.lock = threading.Lock()
        self.succeeded = 0
        self.failures = []
        self.threads = [threading.Thread(target=self._run, args=(index % 2 == 0,)) for index in range(LOAD_THREADS)]

    def _run(self, keep_alive):
        session = requests.Session()
        while not self.stop_event.is_set():
            if not keep_alive:
                session.close()
                session = requests.Session()
            try:
                response = session.get(self.url, cert=self.cert, verify=False, timeout=TIMEOUT)
                ok = response.status_code == 200
                failure = None if ok else f"status {response.status_code}: {response.text[:200]}"
            except requests.RequestException as error:
                failure = f"{type(error).__name__}: {error}"
            with self.lock:
                if failure:
                    self.failures.append(failure)
                else:
                    self.succeeded += 1
        session.close()

    def count(self):
        with self.lock:
            return self.succeeded

    def wait_for_more(self, count):
        """Wait until `count` more requests succeeded than now."""
        target = self.count() + count
        wait_until(lambda: self.count() >= target, f"{count} more successful requests under load")

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_event.set()
        for thread in self.threads:
            thread.join(TIMEOUT)


def fresh_request(port, cert):
    return requests.get(f"https://127.0.0.1:{port}/echo", cert=cert, verify=False, timeout=TIMEOUT,
                        headers={"Connection": "close"})


def test_reload_under_load(tollgate, start_backend, guide_sha256):
    first, second = start_backend("first"), start_backend("second")
    port = free_port()
    process = tollgate(mtls_config(guide_sha256.root, port, [member(first.port)]), [port])
    cert = (str(guide_sha256.client.cert), str(guide_sha256.client.key))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", urllib3.exceptions.InsecureRequestWarning)
        with Load(f"https://127.0.0.1:{port}/echo", cert) as load:
            load.wait_for_more(50)

            # (a) A second member: it starts receiving requests.
            process.write_config(mtls_config(guide_sha256.root, port, [member(first.port), member(second.port)]))
            added = process.reload()
            assert added.succeeded, added.lines
            assert added.generation == 2
            wait_until(lambda: len(second.requests()) >= 10, "the added member to receive requests")
            load.wait_for_more(50)

            # (b) An invalid file (weight 101, above the maximum of 100): rejected, logged, and
            # generation 2 keeps serving.
            process.write_config(mtls_config(guide_sha256.root, port,
                                             [member(first.port, weight=101), member(second.port)]))
            rejected = process.reload()
            assert not rejected.succeeded
            assert rejected.generation == 2
            assert any("config error: " in line and "weight" in line for line in rejected.lines), rejected.lines
            second_count = len(second.requests())
            load.wait_for_more(50)
            assert len(second.requests()) > second_count

            # (c) A valid file again, back to the first member only.
            process.write_config(mtls_config(guide_sha256.root, port, [member(first.port)]))
            restored = process.reload()
            assert restored.succeeded, restored.lines
            assert restored.generation == 3
            load.wait_for_more(50)
            # Open keep-alive connections keep generation 2; new connections get generation 3.
            names = [fresh_request(port, cert).headers["X-Backend-Name"] for _ in range(6)]
            assert names == ["first"] * 6

    assert load.failures == []
    assert load.count() >= 250


def test_reload_unchanged_file_keeps_serving(tollgate, start_backend, guide_sha256):
    backend = start_backend("only")
    port = free_port()
    process = tollgate(mtls_config(guide_sha256.root, port, [member(backend.port)]), [port])

    outcome = process.reload()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", urllib3.exceptions.InsecureRequestWarning)
        response = fresh_request(port, (str(guide_sha256.client.cert), str(guide_sha256.client.key)))

    assert outcome.succeeded, outcome.lines
    assert outcome.generation == 2
    assert response.status_code == 200


def test_reload_bad_file_at_start(tollgate, guide_sha256):
    config = """
loadbalancers:
  - {id: lb1, vip_address: 127.0.0.1}
listeners:
  - id: web
    loadbalancer_id: lb1
    protocol: HTTP
    protocol_port: 0
    default_pool_id: app
pools:
  - {id: app, lb_algorithm: ROUND_ROBIN, protocol: HTTP, members: []}
"""
    process = tollgate(config, [], start=False)

    code, output = process.start_expecting_failure()

    assert code == 2, output
    # The line may carry the log prefix ("<time> error [config] ") before the message.
    expected = re.compile(r'^(.*\] )?config error: listeners\[web\]\.protocol_port: invalid value "0": use a whole number from 1 to 65535$')
    assert [line for line in output.splitlines() if expected.match(line)], output
