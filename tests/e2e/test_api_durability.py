"""kill -9 while the API is being written to loses no acknowledged change.

A client thread adds members as fast as the API responds and records each member the API
acknowledged. The server is killed with SIGKILL in the middle. After a restart with the
same data directory every acknowledged member is there and complete, nothing else half made
is, and the listener serves again with no API call.
"""

import threading

import requests

from support.elb import build_guide, echo, elb
from support.ports import free_port
from support.settings import TIMEOUT, wait_until


class MemberWriter:
    """Adds members to `pool` until the API stops responding; keeps the acknowledged ones."""

    def __init__(self, server, pool):
        self.server = server
        self.pool = pool
        self.acknowledged = {}  # id -> protocol_port
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._run)

    def _run(self):
        port = 20000
        while True:
            port += 1
            try:
                response = elb(self.server, "POST", f"/pools/{self.pool}/members", {"member": {
                    "address": "127.0.0.2", "protocol_port": port, "weight": 0, "name": f"m{port}"}})
            except requests.RequestException:
                return
            if response.status_code != 201:
                return
            with self.lock:
                self.acknowledged[response.json()["member"]["id"]] = port

    def count(self):
        with self.lock:
            return len(self.acknowledged)


def test_kill_during_writes_keeps_acknowledged_changes(store_server, start_backend, guide_sha256):
    backend = start_backend("durable")
    server = store_server()
    port = free_port()
    server.ports.append(port)
    ids = build_guide(server, guide_sha256, port, backend)

    writer = MemberWriter(server, ids["pool"])
    writer.thread.start()
    wait_until(lambda: writer.count() >= 20, "20 acknowledged member creations")
    server.kill()
    writer.thread.join(TIMEOUT)
    acknowledged = dict(writer.acknowledged)

    server.start()
    assert echo(port, guide_sha256.client).status_code == 200

    listed = elb(server, "GET", f"/pools/{ids['pool']}/members")
    assert listed.status_code == 200, listed.text
    members = {member["id"]: member for member in listed.json()["members"]}
    missing = set(acknowledged) - set(members)
    assert not missing, f"acknowledged members lost by kill -9: {missing}"
    # At most one creation was under way when the process died. It either exists whole or not at all.
    assert len(members) - 1 - len(acknowledged) in (0, 1)
    for member_id, port_number in acknowledged.items():
        assert members[member_id]["protocol_port"] == port_number
        assert members[member_id]["name"] == f"m{port_number}"
    pool = elb(server, "GET", f"/pools/{ids['pool']}").json()["pool"]
    assert {entry["id"] for entry in pool["members"]} == set(members)
