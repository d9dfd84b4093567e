"""Free ports from the OS and checks of what listens on them."""

import socket

from .settings import wait_until

_TCP_LISTEN = "0A"


def free_port(host="127.0.0.1"):
    """Return a TCP port that the OS reported free on `host` a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def listening_ports():
    """Return the set of local TCP ports in LISTEN state, IPv4 and IPv6, from /proc/net."""
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table, encoding="ascii") as rows:
                next(rows)
                for row in rows:
                    fields = row.split()
                    if fields[3] == _TCP_LISTEN:
                        ports.add(int(fields[1].rsplit(":", 1)[1], 16))
        except FileNotFoundError:
            continue
    return ports


def assert_not_listening(ports):
    """Fail when any of `ports` still has a listening socket."""
    still_listening = sorted(set(ports) & listening_ports())
    assert not still_listening, f"ports still listening after the test: {still_listening}"


def accepts_connections(host, port):
    """Return whether a TCP connection to host:port succeeds now."""
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def wait_accepting(host, port):
    wait_until(lambda: accepts_connections(host, port), f"{host}:{port} to accept TCP connections")


def connection_refused(host, port):
    """Return whether a TCP connection to host:port is refused (nothing listens there)."""
    try:
        with socket.create_connection((host, port), timeout=1):
            return False
    except ConnectionRefusedError:
        return True
    except OSError:
        return False
