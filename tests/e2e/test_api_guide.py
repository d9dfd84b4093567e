"""The mutual-authentication guide through the REST API alone, with curl and JSON bodies.

tollgate starts with an empty data directory. Every step of the guide is one curl call to
the API. The calls upload the server certificate and the CA certificate, and create a load
balancer, an HTTPS listener with mutual authentication, a backend server group bound to it,
and a backend server. Then a client with the guide's certificate gets the backend's response, and one
without a certificate is rejected during the handshake.
"""

import json

from support.clients import curl, s_client
from support.elb import PROJECT
from support.ports import free_port


def api_call(server, method, path, body=None):
    """Send one API request with curl; return (status, parsed JSON body or None).

    The token goes through a header file, as `curl -H @FILE`, so it is never a command-line argument.
    """
    header_file = server.workdir / "token-header"
    header_file.write_text(f"X-Auth-Token: {server.token}\n")
    headers = [f"@{header_file}"]
    if body is not None:
        headers.append("Content-Type: application/json")
    result = curl(f"{server.url}/v3/{PROJECT}/elb{path}", method=method, headers=headers,
                  insecure=False, body=None if body is None else json.dumps(body).encode())
    assert result.exit_code == 0, result.stderr
    return result.status, (result.json() if result.body else None)


def test_guide_through_the_api(store_server, start_backend, guide_sha256):
    backend = start_backend("guide")
    server = store_server()
    port = free_port()
    server.ports.append(port)

    status, created = api_call(server, "POST", "/certificates", {"certificate": {
        "name": "server", "type": "server",
        "certificate": guide_sha256.server_cert.read_text(),
        "private_key": guide_sha256.server_key.read_text()}})
    assert status == 201, created
    server_certificate = created["certificate"]
    assert server_certificate["private_key"] == "******"
    assert len(server_certificate["id"]) == 32

    status, created = api_call(server, "POST", "/certificates", {"certificate": {
        "name": "ca", "type": "client", "certificate": guide_sha256.ca_cert.read_text()}})
    assert status == 201, created
    ca_certificate = created["certificate"]

    status, created = api_call(server, "POST", "/loadbalancers", {"loadbalancer": {
        "name": "guide", "vip_address": "127.0.0.1"}})
    assert status == 201, created
    loadbalancer = created["loadbalancer"]

    status, created = api_call(server, "POST", "/listeners", {"listener": {
        "name": "https-mutual", "loadbalancer_id": loadbalancer["id"], "protocol": "HTTPS",
        "protocol_port": port, "default_tls_container_ref": server_certificate["id"],
        "client_ca_tls_container_ref": ca_certificate["id"],
        "insert_headers": {"X-Forwarded-Clientcert-subjectdn-enable": True}}})
    assert status == 201, created
    listener = created["listener"]
    assert listener["client_authentication"] == "mandatory"

    status, created = api_call(server, "POST", "/pools", {"pool": {
        "name": "backends", "lb_algorithm": "ROUND_ROBIN", "protocol": "HTTP", "listener_id": listener["id"]}})
    assert status == 201, created
    pool = created["pool"]

    status, created = api_call(server, "POST", f"/pools/{pool['id']}/members", {"member": {
        "address": "127.0.0.1", "protocol_port": backend.port}})
    assert status == 201, created

    accepted = curl(f"https://127.0.0.1:{port}/guide", cert=guide_sha256.client.cert, key=guide_sha256.client.key)
    assert accepted.exit_code == 0, accepted.stderr
    assert accepted.status == 200
    assert accepted.header("X-Backend-Name") == "guide"
    received = backend.requests()[-1]
    assert received["path"] == "/guide"
    assert ["X-Forwarded-Clientcert-subjectdn", guide_sha256.client.subject] in received["headers"]

    refused = curl(f"https://127.0.0.1:{port}/guide")
    assert refused.exit_code in (35, 56), f"curl exit code {refused.exit_code}: {refused.stderr}"
    assert refused.status == 0
    _, output = s_client(port, tls_version="-tls1_3")
    assert "alert certificate required" in output, output
    assert [request["path"] for request in backend.requests()] == ["/guide"]
