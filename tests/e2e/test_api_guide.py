"""The mutual-authentication guide through the REST API alone, with curl and JSON bodies.

tollgate starts with an empty data directory. Every step of the guide is one curl call to
the API. The calls upload the server certificate and the CA certificate, and create a load
balancer, an HTTPS listener with mutual authentication, a backend server group bound to it,
and a backend server. Then a client with the guide's certificate gets the backend's response, and one
without a certificate is rejected during the handshake.

The guide's own certificates (SHA-1 signatures, a version 1 CA without extensions, no
subjectAltName) are accepted with warnings that name each weakness. curl needs its OpenSSL
security level lowered to load a SHA-1 client certificate (see docs/troubleshooting.md).
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


def create_guide(server, guide, port, backend):
    """Create the guide's resources through the API; return the two certificate objects and the listener."""
    status, created = api_call(server, "POST", "/certificates", {"certificate": {
        "name": "server", "type": "server",
        "certificate": guide.server_cert.read_text(),
        "private_key": guide.server_key.read_text()}})
    assert status == 201, created
    server_certificate = created["certificate"]

    status, created = api_call(server, "POST", "/certificates", {"certificate": {
        "name": "ca", "type": "client", "certificate": guide.ca_cert.read_text()}})
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

    status, created = api_call(server, "POST", "/pools", {"pool": {
        "name": "backends", "lb_algorithm": "ROUND_ROBIN", "protocol": "HTTP", "listener_id": listener["id"]}})
    assert status == 201, created
    pool = created["pool"]

    status, created = api_call(server, "POST", f"/pools/{pool['id']}/members", {"member": {
        "address": "127.0.0.1", "protocol_port": backend.port}})
    assert status == 201, created
    return server_certificate, ca_certificate, listener


def check_guide_traffic(port, backend, guide, seclevel0=False):
    """Check that the guide's client certificate reaches the backend and that no certificate is rejected."""
    accepted = curl(f"https://127.0.0.1:{port}/guide", cert=guide.client.cert, key=guide.client.key,
                    seclevel0=seclevel0)
    assert accepted.exit_code == 0, accepted.stderr
    assert accepted.status == 200
    assert accepted.header("X-Backend-Name") == "guide"
    received = backend.requests()[-1]
    assert received["path"] == "/guide"
    assert ["X-Forwarded-Clientcert-subjectdn", guide.client.subject] in received["headers"]

    rejected = curl(f"https://127.0.0.1:{port}/guide", seclevel0=seclevel0)
    assert rejected.exit_code in (35, 56), f"curl exit code {rejected.exit_code}: {rejected.stderr}"
    assert rejected.status == 0
    _, output = s_client(port, tls_version="-tls1_3")
    assert "alert certificate required" in output, output
    assert [request["path"] for request in backend.requests()] == ["/guide"]


def test_guide_through_the_api(store_server, start_backend, guide_sha256):
    backend = start_backend("guide")
    server = store_server()
    port = free_port()
    server.ports.append(port)

    server_certificate, ca_certificate, listener = create_guide(server, guide_sha256, port, backend)
    assert server_certificate["private_key"] == "******"
    assert len(server_certificate["id"]) == 32
    assert listener["client_authentication"] == "mandatory"
    check_guide_traffic(port, backend, guide_sha256)


SERVER = 'Certificate 1 "CN=www.test.com,O=ELB": '
CA = 'Certificate 1 "O=ELB": '
SERVER_WARNINGS = [
    SERVER + "The certificate is signed with SHA-1 (sha1WithRSAEncryption), which OpenSSL 3 rejects at security level "
    "1 or higher and browsers reject entirely. Reissue it with -sha256 in place of -sha1 in openssl x509 -req.",
    SERVER + "The certificate is X.509 version 1, so it has no extensions such as subjectAltName or "
    "extendedKeyUsage. Reissue it as version 3 by passing an -extfile to openssl x509 -req.",
    SERVER + "The certificate has no subjectAltName, and browsers ignore the subject CN when they match the host "
    "name, so they reject it. Reissue it with subjectAltName=DNS:<host name> in its extensions.",
]
CA_WARNINGS = [
    CA + "The certificate signs itself with SHA-1 (sha1WithRSAEncryption). OpenSSL does not check that signature, "
    "but browsers reject it, and a CA that uses SHA-1 usually signs the certificates it issues with it too. "
    "Reissue it with -sha256 in place of -sha1.",
    CA + "The CA certificate is X.509 version 1, so it has no extensions. OpenSSL accepts a version 1 CA only as a "
    "self-signed root, and X.509 strict checks reject it. Reissue it as version 3 with "
    "basicConstraints=critical,CA:TRUE.",
]


def test_guide_sha1_certificates_with_warnings(store_server, start_backend, guide_sha1):
    backend = start_backend("guide")
    server = store_server()
    port = free_port()
    server.ports.append(port)

    server_certificate, ca_certificate, _ = create_guide(server, guide_sha1, port, backend)
    assert server_certificate["warnings"] == SERVER_WARNINGS
    assert ca_certificate["warnings"] == CA_WARNINGS
    check_guide_traffic(port, backend, guide_sha1, seclevel0=True)

    # Without the lowered security level, curl itself rejects the SHA-1 client certificate.
    stock_curl = curl(f"https://127.0.0.1:{port}/guide", cert=guide_sha1.client.cert, key=guide_sha1.client.key)
    assert stock_curl.exit_code == 58, stock_curl.stderr
    assert "ca md too weak" in stock_curl.stderr
