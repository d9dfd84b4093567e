"""Configuration files for tollgate, built from the parts that the tests vary.

Every configuration has one load balancer `lb1` on 127.0.0.1 and one pool `app` of HTTP
members. The listeners, their fields, the members and the certificates come from the test.
"""

from pathlib import Path

# Every X-Forwarded-Clientcert header that a listener can insert, switched on.
ALL_CLIENT_CERTIFICATE_HEADERS = {
    "X-Forwarded-Clientcert-enable": True,
    "X-Forwarded-Clientcert-subjectdn-enable": True,
    "X-Forwarded-Clientcert-issuerdn-enable": True,
    "X-Forwarded-Clientcert-fingerprint-enable": True,
    "X-Forwarded-Clientcert-clientverify-enable": True,
    "X-Forwarded-Clientcert-serialnumber-enable": True,
    "X-Forwarded-Clientcert-end-enable": True,
}

_CONFIG = """
{certificates}loadbalancers:
  - {{id: lb1, vip_address: 127.0.0.1}}
listeners:
{listeners}
pools:
  - id: app
    lb_algorithm: {algorithm}
    protocol: HTTP
    members: [{members}]
"""


def member(port, weight=1):
    """Return a pool member on 127.0.0.1 as a YAML flow mapping."""
    return f"{{address: 127.0.0.1, protocol_port: {port}, weight: {weight}}}"


def guide_certificates(folder, client_ca=True):
    """Return the `certificates:` section for the guide's files below `folder`.

    `srv` is the server certificate with its key, and `ca` (left out unless `client_ca`) is the
    CA that signs the client certificates. tollgate resolves a relative `folder` against the
    folder of the configuration file.
    """
    folder = Path(folder)
    lines = [
        "certificates:",
        f"  - {{id: srv, type: server, certificate_file: {folder / 'server/server.crt'}, "
        f"private_key_file: {folder / 'server/server.key'}}}",
    ]
    if client_ca:
        lines.append(f"  - {{id: ca, type: client, certificate_file: {folder / 'ca/ca.crt'}}}")
    return "\n".join(lines) + "\n"


def listener(port, listener_id="web", protocol="HTTP", **fields):
    """Return a listener of `lb1` whose default pool is `app`, as a YAML list item.

    `fields` add listener fields or replace the defaults in place. A field set to None is left
    out, and a dict value, such as insert_headers, becomes a nested mapping.
    """
    entries = {"id": listener_id, "loadbalancer_id": "lb1", "protocol": protocol, "protocol_port": port,
               "default_pool_id": "app"}
    entries.update(fields)
    lines = _mapping_lines({name: value for name, value in entries.items() if value is not None}, "    ")
    lines[0] = "  - " + lines[0].lstrip()
    return "\n".join(lines)


def https_listener(port, listener_id="web", **fields):
    """Return an HTTPS listener that presents the server certificate `srv`."""
    return listener(port, listener_id, "HTTPS", **{"default_tls_container_ref": "srv", **fields})


def mtls_listener(port, listener_id="web", **fields):
    """Return an HTTPS listener that demands a client certificate signed by the client CA `ca`."""
    return https_listener(port, listener_id,
                          **{"client_ca_tls_container_ref": "ca", "client_authentication": "mandatory", **fields})


def config_text(listeners, members, certificates="", algorithm="ROUND_ROBIN"):
    """Return a configuration file with `listeners` and the pool `app` of `members`.

    `listeners` are listener() items, `members` are member() mappings, and `certificates` is a
    guide_certificates() section or empty.
    """
    return _CONFIG.format(certificates=certificates, listeners="\n".join(listeners), algorithm=algorithm,
                          members=", ".join(members))


def mtls_config(guide_folder, port, members, **listener_fields):
    """Return the guide's setup: the mutual-TLS listener `web` on `port` in front of `members`.

    The certificates are the guide's files below `guide_folder`. `listener_fields` add or
    replace fields of mtls_listener(), so client_authentication="optional" relaxes it.
    """
    return config_text([mtls_listener(port, **listener_fields)], members, guide_certificates(guide_folder))


def _mapping_lines(fields, indent):
    lines = []
    for name, value in fields.items():
        if isinstance(value, dict):
            lines.append(f"{indent}{name}:")
            lines.extend(_mapping_lines(value, indent + "  "))
        elif isinstance(value, bool):
            lines.append(f"{indent}{name}: {'true' if value else 'false'}")
        else:
            lines.append(f"{indent}{name}: {value}")
    return lines
