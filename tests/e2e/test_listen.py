"""Listening sockets: a port that another process already uses is refused at start-up.

tollgate binds with SO_REUSEPORT so that every worker has its own acceptor. The kernel lets a
second process of the same user bind such a port too, which would let it take part of the
connections (a listener without mutual authentication next to one with it). A process that
binds the port with SO_REUSEPORT must therefore make tollgate refuse to start, with the
address in the error.
"""

import socket

from support.config import member, mtls_config
from support.ports import free_port


def test_listen_refuses_port_held_with_reuseport(tollgate, start_backend, guide_sha256):
    backend = start_backend("app-1")
    port = free_port()
    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    holder.bind(("127.0.0.1", port))
    holder.listen()
    try:
        process = tollgate(mtls_config(guide_sha256.root, port, [member(backend.port)]), [], start=False)
        code, stderr = process.start_expecting_failure()
    finally:
        holder.close()

    assert code == 2
    assert f"listeners[web]: cannot listen on 127.0.0.1:{port}: Address already in use" in stderr
