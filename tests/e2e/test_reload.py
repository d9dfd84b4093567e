"""Configuration reload on SIGHUP under load, and a configuration that fails at start-up.

Client threads send requests with the client certificate, some on keep-alive connections
and some on a new connection each. Meanwhile tollgate reloads three files: (a) one that adds
a backend, which then starts receiving requests, (b) an invalid one, which is logged with
its error and leaves the old configuration serving, and (c) a valid one again. No request may
fail at any point. A file with an invalid value at start-up exits with code 2 and names the
field on stderr.
"""

import re
import warnings

import requests
import urllib3

from support.config import member, mtls_config
from support.load import Load
from support.ports import free_port
from support.settings import TIMEOUT, wait_until

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
