"""Calls to tollgate's ELB API from the tests, and the guide's resources built through it."""

import hashlib
import socket
import ssl
import warnings

import requests
import urllib3
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from .settings import TIMEOUT

PROJECT = "default"


def elb(server, method, path, body=None):
    """Send `method` to /v3/PROJECT/elb`path` of `server`'s API and return the requests.Response."""
    return server.api(method, f"/v3/{PROJECT}/elb{path}", body)


def create(server, collection, key, fields):
    """Create one resource and return its id; fail with the response on any status but 201."""
    response = elb(server, "POST", f"/{collection}", {key: fields})
    assert response.status_code == 201, f"POST /{collection}: {response.status_code} {response.text}"
    return response.json()[key]["id"]


def build_guide(server, guide, port, backend):
    """Create the guide's resources: certificates, load balancer, mTLS listener, pool, one member."""
    certificate = create(server, "certificates", "certificate", {
        "type": "server", "certificate": guide.server_cert.read_text(), "private_key": guide.server_key.read_text()})
    ca = create(server, "certificates", "certificate", {"type": "client", "certificate": guide.ca_cert.read_text()})
    loadbalancer = create(server, "loadbalancers", "loadbalancer", {"vip_address": "127.0.0.1"})
    listener = create(server, "listeners", "listener", {
        "loadbalancer_id": loadbalancer, "protocol": "HTTPS", "protocol_port": port,
        "default_tls_container_ref": certificate, "client_ca_tls_container_ref": ca})
    pool = create(server, "pools", "pool", {"lb_algorithm": "ROUND_ROBIN", "protocol": "HTTP", "listener_id": listener})
    member = create(server, f"pools/{pool}/members", "member", {"address": "127.0.0.1", "protocol_port": backend.port})
    return {"certificate": certificate, "ca": ca, "loadbalancer": loadbalancer, "listener": listener,
            "pool": pool, "member": member}


def echo(port, client, scheme="https"):
    """Send GET /echo on a new connection, with `client`'s certificate when given."""
    options = {"cert": (str(client.cert), str(client.key))} if client else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", urllib3.exceptions.InsecureRequestWarning)
        return requests.get(f"{scheme}://127.0.0.1:{port}/echo", verify=False, timeout=TIMEOUT,
                            headers={"Connection": "close"}, **options)


def served_fingerprint(port, client):
    """Open a new TLS connection with `client`'s certificate; return the SHA-256 of the server's certificate."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.load_cert_chain(client.cert, client.key)
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as raw:
        with context.wrap_socket(raw) as tls:
            return hashlib.sha256(tls.getpeercert(binary_form=True)).hexdigest()


def file_fingerprint(path):
    """Return the SHA-256 of the DER encoding of the first certificate in the PEM file `path`."""
    certificate = x509.load_pem_x509_certificate(path.read_bytes())
    return hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()
