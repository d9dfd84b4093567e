"""Changes through the API take effect at once and drop no request.

Client threads send requests with the guide's client certificate, on keep-alive and on new
connections. Meanwhile the test rotates the server certificate, adds a CA to the client CA
bundle, adds a member, removes the first one, and adds and removes a second listener. No
request may fail. The first handshake that starts after the API responds to the rotation
gets the new certificate. The second listener accepts its first connection right after the
API responds to its creation.
"""

import warnings

import pytest
import requests
import urllib3
from support.certs import make_rotation_certificates
from support.elb import build_guide, echo, elb, file_fingerprint, served_fingerprint
from support.load import Load
from support.ports import connection_refused, free_port
from support.settings import wait_until


@pytest.fixture(scope="module")
def rotation(certs_dir, guide_sha256):
    return make_rotation_certificates(certs_dir, guide_sha256)


def test_changes_under_load(store_server, start_backend, guide_sha256, rotation):
    first, second = start_backend("first"), start_backend("second")
    server = store_server()
    port, second_port = free_port(), free_port()
    server.ports += [port, second_port]
    ids = build_guide(server, guide_sha256, port, first)
    client = guide_sha256.client

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", urllib3.exceptions.InsecureRequestWarning)
        with Load(f"https://127.0.0.1:{port}/echo", (str(client.cert), str(client.key))) as load:
            load.wait_for_more(50)

            # The server certificate: the next handshake gets the new one.
            assert served_fingerprint(port, client) == file_fingerprint(guide_sha256.server_cert)
            rotated = elb(server, "PUT", f"/certificates/{ids['certificate']}", {"certificate": {
                "certificate": rotation.server_cert.read_text(), "private_key": rotation.server_key.read_text()}})
            assert rotated.status_code == 200, rotated.text
            assert served_fingerprint(port, client) == file_fingerprint(rotation.server_cert)
            load.wait_for_more(50)

            # The client CA: a bundle with the old and the new CA accepts clients of both.
            with pytest.raises(requests.exceptions.ConnectionError):
                echo(port, rotation.new_ca_client)
            bundle = guide_sha256.ca_cert.read_text() + rotation.new_ca_cert.read_text()
            updated = elb(server, "PUT", f"/certificates/{ids['ca']}", {"certificate": {"certificate": bundle}})
            assert updated.status_code == 200, updated.text
            assert echo(port, rotation.new_ca_client).status_code == 200
            load.wait_for_more(50)

            # A second member starts receiving requests; the first stops once removed.
            added = elb(server, "POST", f"/pools/{ids['pool']}/members", {"member": {
                "address": "127.0.0.1", "protocol_port": second.port}})
            assert added.status_code == 201, added.text
            wait_until(lambda: len(second.requests()) >= 10, "the added member to receive requests")
            removed = elb(server, "DELETE", f"/pools/{ids['pool']}/members/{ids['member']}")
            assert removed.status_code == 204, removed.text
            load.wait_for_more(10)
            first_count = len(first.requests())
            load.wait_for_more(100)
            assert len(first.requests()) == first_count

            # A second listener accepts at once and closes its port when deleted.
            created = elb(server, "POST", "/listeners", {"listener": {
                "loadbalancer_id": ids["loadbalancer"], "protocol": "HTTP", "protocol_port": second_port,
                "default_pool_id": ids["pool"]}})
            assert created.status_code == 201, created.text
            assert echo(second_port, None, scheme="http").status_code == 200
            deleted = elb(server, "DELETE", f"/listeners/{created.json()['listener']['id']}")
            assert deleted.status_code == 204, deleted.text
            wait_until(lambda: connection_refused("127.0.0.1", second_port), "the deleted listener to close its port")
            load.wait_for_more(50)

    assert load.failures == []
