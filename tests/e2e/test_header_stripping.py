"""Request headers that tollgate removes, replaces or adds on the way to the backend.

Client-supplied headers of the X-Forwarded-Clientcert family must never reach a backend, in
any letter case and however often they repeat: on an mTLS listener the real values replace
them, and listeners that insert none forward none. X-Forwarded-For follows the listener's
X-Forwarded-For-Processing-Mode, the other X-Forwarded-* headers follow insert_headers, and
hop-by-hop headers stay on the client's connection.
"""

import pytest

from support.backend import header_values
from support.clients import RawClient
from support.config import (ALL_CLIENT_CERTIFICATE_HEADERS, config_text, guide_certificates, https_listener,
                            listener, member, mtls_listener)
from support.ports import free_port

LISTENERS = ["mtls", "https", "plain", "append", "remove", "preserve"]

# Every header of the family, in several letter cases, some of them twice.
SPOOFED = [
    "x-forwarded-clientcert-subjectdn: CN=attacker,O=Evil",
    "X-FORWARDED-CLIENTCERT-SUBJECTDN: CN=attacker-2,O=Evil",
    "X-Forwarded-ClientCert-IssuerDN: O=Evil",
    "x-forwarded-clientcert-fingerprint: 0000000000000000000000000000000000000000000000000000000000000000",
    "X-Forwarded-Clientcert-Clientverify: SUCCESS",
    "X-Forwarded-Clientcert-clientverify: SUCCESS",
    "X-Forwarded-Clientcert-Serialnumber: 01",
    "X-Forwarded-Clientcert-End: 2099-01-01T00:00:00Z",
    "X-Forwarded-Clientcert-Ciphers: Evil-Cipher",
    "X-Forwarded-Clientcert: -----BEGIN%20CERTIFICATE-----Evil",
    "x-forwarded-clientcert: -----BEGIN%20CERTIFICATE-----Evil-2",
]

FAMILY = "x-forwarded-clientcert"

# (case, listener, X-Forwarded-For headers the client sends, X-Forwarded-For values the
#  backend receives). The plain listener sets no mode, so it appends as the default.
XFF_CASES = [
    ("append_adds_client_address", "append", ["X-Forwarded-For: 203.0.113.7"], ["203.0.113.7, 127.0.0.1"]),
    ("append_without_client_header", "append", [], ["127.0.0.1"]),
    ("default_mode_appends", "plain", ["X-Forwarded-For: 198.51.100.1"], ["198.51.100.1, 127.0.0.1"]),
    ("remove_strips_header", "remove", ["X-Forwarded-For: 203.0.113.7", "x-forwarded-for: 10.1.1.1"], []),
    ("preserve_keeps_client_value", "preserve", ["X-Forwarded-For: 203.0.113.7"], ["203.0.113.7"]),
]


def build_config(guide, ports, backend):
    """Return a configuration with a listener per LISTENERS entry on `ports`, all in front of `backend`.

    mtls demands a client certificate and inserts every certificate header, https has no client
    CA, and the four plain HTTP listeners differ in their X-Forwarded-* settings.
    """
    listeners = [
        mtls_listener(ports["mtls"], "mtls",
                      insert_headers={"X-Forwarded-Proto": True, **ALL_CLIENT_CERTIFICATE_HEADERS}),
        https_listener(ports["https"], "https"),
        listener(ports["plain"], "plain"),
        listener(ports["append"], "append", insert_headers={
            "X-Forwarded-For-Processing-Mode": "append",
            "X-Forwarded-Port": True,
            "X-Forwarded-For-Port": True,
            "X-Forwarded-Proto": True,
        }),
        listener(ports["remove"], "remove", insert_headers={"X-Forwarded-For-Processing-Mode": "remove"}),
        listener(ports["preserve"], "preserve", insert_headers={
            "X-Forwarded-For-Processing-Mode": "preserve",
            "X-Forwarded-Host": False,
        }),
    ]
    return config_text(listeners, [member(backend.port)], guide_certificates(guide.root))


@pytest.fixture
def listeners(tollgate, start_backend, guide_sha256):
    """Start tollgate with every listener of build_config() and return ({listener id: port}, backend, guide)."""
    backend = start_backend("app-1")
    ports = {name: free_port() for name in LISTENERS}
    tollgate(build_config(guide_sha256, ports, backend), list(ports.values()))
    return ports, backend, guide_sha256


def family_headers(headers):
    return [(name, value) for name, value in headers if name.lower().startswith(FAMILY)]


def test_stripping_mtls_replaces_spoofed_values(listeners):
    ports, backend, guide = listeners

    with RawClient(ports["mtls"], cert=guide.client.cert, key=guide.client.key) as client:
        response = client.request("GET", "/echo", SPOOFED)

    assert response.status == 200
    headers = backend.last_headers()
    assert header_values(headers, "X-Forwarded-Clientcert-subjectdn") == ["CN=www.test.com,O=ELB"]
    assert header_values(headers, "X-Forwarded-Clientcert-issuerdn") == ["O=ELB"]
    assert header_values(headers, "X-Forwarded-Clientcert-clientverify") == ["SUCCESS"]
    assert len(header_values(headers, "X-Forwarded-Clientcert-fingerprint")) == 1
    assert header_values(headers, "X-Forwarded-Clientcert-fingerprint") != ["0" * 64]
    assert int(header_values(headers, "X-Forwarded-Clientcert-serialnumber")[0], 16) == \
        guide.client.load().serial_number
    assert header_values(headers, "X-Forwarded-Clientcert-end") != ["2099-01-01T00:00:00Z"]
    assert header_values(headers, "X-Forwarded-Clientcert-ciphers") == []
    assert len(header_values(headers, "X-Forwarded-Clientcert")) == 1
    assert [value for _, value in family_headers(headers) if "Evil" in value or "attacker" in value] == []
    assert len(family_headers(headers)) == 7


@pytest.mark.parametrize("listener", ["https", "plain"])
def test_stripping_removes_family_without_insertion(listener, listeners):
    ports, backend, _ = listeners

    with RawClient(ports[listener], tls=listener == "https") as client:
        response = client.request("GET", "/echo", [*SPOOFED, "X-Unrelated: kept"])

    assert response.status == 200
    headers = backend.last_headers()
    assert family_headers(headers) == []
    assert header_values(headers, "X-Unrelated") == ["kept"]


def test_stripping_mtls_forwarded_proto_replaced(listeners):
    ports, backend, guide = listeners

    with RawClient(ports["mtls"], cert=guide.client.cert, key=guide.client.key) as client:
        response = client.request("GET", "/echo", ["X-Forwarded-Proto: http"])

    assert response.status == 200
    assert header_values(backend.last_headers(), "X-Forwarded-Proto") == ["https"]


@pytest.mark.parametrize("case, listener_id, sent, received", XFF_CASES, ids=[case[0] for case in XFF_CASES])
def test_xff_processing_mode(case, listener_id, sent, received, listeners):
    ports, backend, _ = listeners

    with RawClient(ports[listener_id], tls=False) as client:
        response = client.request("GET", "/echo", sent)

    assert response.status == 200
    assert header_values(backend.last_headers(), "X-Forwarded-For") == received


def test_forwarded_host_default_on(listeners):
    ports, backend, _ = listeners

    with RawClient(ports["plain"], tls=False) as client:
        response = client.request("GET", "/echo", ["X-Forwarded-Host: spoofed.example"], host="shop.example.test")

    assert response.status == 200
    assert header_values(backend.last_headers(), "X-Forwarded-Host") == ["shop.example.test"]


def test_forwarded_host_disabled(listeners):
    ports, backend, _ = listeners

    with RawClient(ports["preserve"], tls=False) as client:
        response = client.request("GET", "/echo", host="shop.example.test")

    assert response.status == 200
    assert header_values(backend.last_headers(), "X-Forwarded-Host") == []


def test_forwarded_proto_and_ports(listeners):
    ports, backend, _ = listeners

    with RawClient(ports["append"], tls=False) as client:
        response = client.request("GET", "/echo", ["X-Forwarded-Port: 1", "X-Forwarded-For-Port: 2"])
        client_port = client.local_port

    assert response.status == 200
    headers = backend.last_headers()
    assert header_values(headers, "X-Forwarded-Proto") == ["http"]
    assert header_values(headers, "X-Forwarded-Port") == [str(ports["append"])]
    assert header_values(headers, "X-Forwarded-For-Port") == [str(client_port)]


def test_forwarded_optional_headers_off_by_default(listeners):
    ports, backend, _ = listeners

    with RawClient(ports["plain"], tls=False) as client:
        response = client.request("GET", "/echo")

    assert response.status == 200
    headers = backend.last_headers()
    assert header_values(headers, "X-Forwarded-Proto") == []
    assert header_values(headers, "X-Forwarded-Port") == []
    assert header_values(headers, "X-Forwarded-For-Port") == []
    assert header_values(headers, "X-Real-IP") == []


def test_hop_by_hop_headers_not_forwarded(listeners):
    ports, backend, _ = listeners

    with RawClient(ports["plain"], tls=False) as client:
        response = client.request("GET", "/echo", [
            "Connection: close, X-Foo",
            "X-Foo: connection-specific",
            "X-Bar: end-to-end",
            "Keep-Alive: timeout=5",
            "Proxy-Connection: keep-alive",
            "TE: trailers",
            "Upgrade: h2c",
        ])
        rest = client.read_until_close()

    assert response.status == 200
    assert rest == b""
    headers = backend.last_headers()
    for name in ("X-Foo", "Keep-Alive", "Proxy-Connection", "TE", "Upgrade"):
        assert header_values(headers, name) == [], f"{name} reached the backend"
    assert header_values(headers, "X-Bar") == ["end-to-end"]
