"""Clients of the tests: curl, openssl s_client, and a raw HTTP/1.1 client over TLS or TCP."""

import json
import os
import socket
import ssl
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from .settings import TIMEOUT

# OpenSSL 3 refuses to load a certificate signed with SHA-1 at security level 1 or above
# ("ca md too weak"), so a client presenting the guide's -sha1 certificate must lower it.
# Python's ssl takes the cipher string below before the certificate is loaded. curl 7.88
# loads the certificate before it applies --ciphers, so `--ciphers DEFAULT@SECLEVEL=0`
# still fails there; curl gets the level from an OpenSSL configuration file instead.
SECLEVEL_0_CIPHERS = "DEFAULT@SECLEVEL=0"
SECLEVEL_0_ENV = {"OPENSSL_CONF": str(Path(__file__).with_name("seclevel0.cnf"))}


@dataclass
class CurlResult:
    exit_code: int
    status: int  # 0 when no HTTP response arrived
    headers: list  # [(name, value)] of the final response, in order
    body: bytes
    stderr: str

    def header(self, name):
        """Return the value of the first response header called `name` (any case), or None."""
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def json(self):
        return json.loads(self.body)


def _parse_header_dump(text):
    """Return (status, headers) of the last response head in a curl --dump-header file."""
    status, headers = 0, []
    for line in text.splitlines():
        if line.startswith("HTTP/"):
            status, headers = int(line.split()[1]), []
        elif ":" in line:
            name, value = line.split(":", 1)
            headers.append((name.strip(), value.strip()))
    return status, headers


def curl_command(url, cert=None, key=None, headers=(), method=None, body=None, upload_file=None,
                 insecure=True, ciphers=None, interface=None, local_port=None, extra=(), timeout=None):
    """Return the curl argument list for one request; see curl() for the options."""
    command = ["curl", "-sS", "--max-time", str(timeout or TIMEOUT)]
    if insecure:
        command.append("-k")
    if cert:
        command += ["--cert", str(cert)]
    if key:
        command += ["--key", str(key)]
    if ciphers:
        command += ["--ciphers", ciphers]
    if interface:
        command += ["--interface", interface]
    if local_port:
        command += ["--local-port", str(local_port)]
    if method:
        command += ["-X", method]
    for header in headers:
        command += ["-H", header]
    if body is not None:
        command += ["--data-binary", "@-"]
    if upload_file is not None:
        command += ["-T", str(upload_file)]
    return [*command, *extra, url]


def curl(url, body=None, stdin=None, timeout=None, seclevel0=False, **options):
    """Run curl once and return its exit code, the final status, headers and body.

    `cert` and `key` become --cert and --key, `ciphers` --ciphers, `interface` --interface (a
    local source address), `local_port` --local-port. `body` is sent with --data-binary from
    standard input; `upload_file` is sent with -T, and "-" reads it from `stdin` (chunked).
    `seclevel0` runs curl at OpenSSL security level 0, which SHA-1 client certificates need.
    """
    with tempfile.TemporaryDirectory() as scratch:
        header_file, body_file = Path(scratch) / "headers", Path(scratch) / "body"
        command = curl_command(url, body=body, timeout=timeout, **options)
        command[1:1] = ["--dump-header", str(header_file), "--output", str(body_file)]
        env = {**os.environ, **SECLEVEL_0_ENV} if seclevel0 else None
        completed = subprocess.run(command, input=body if body is not None else stdin, capture_output=True,
                                   timeout=(timeout or TIMEOUT) + 5, env=env)
        status, response_headers = _parse_header_dump(header_file.read_text(errors="replace")
                                                      if header_file.exists() else "")
        response_body = body_file.read_bytes() if body_file.exists() else b""
    return CurlResult(completed.returncode, status, response_headers, response_body,
                      completed.stderr.decode(errors="replace"))


def s_client(port, cert=None, key=None, tls_version="-tls1_3", request=b"GET / HTTP/1.1\r\nHost: e2e\r\n\r\n"):
    """Run `openssl s_client` against 127.0.0.1:port, send `request`, and return its output.

    -ign_eof keeps it reading after the request is sent, so a TLS 1.3 alert that the server
    sends after the client's Finished message still reaches the output.
    """
    command = ["openssl", "s_client", "-connect", f"127.0.0.1:{port}", tls_version, "-ign_eof"]
    if cert:
        command += ["-cert", str(cert), "-key", str(key)]
    completed = subprocess.run(command, input=request, capture_output=True, timeout=TIMEOUT)
    return completed.returncode, (completed.stdout + completed.stderr).decode(errors="replace")


@dataclass
class RawResponse:
    status: int
    reason: str
    headers: list  # [(name, value)] in order
    body: bytes = b""
    interim: list = field(default_factory=list)  # statuses of 1xx responses read before this one

    def header(self, name):
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def header_values(self, name):
        return [value for key, value in self.headers if key.lower() == name.lower()]

    def json(self):
        return json.loads(self.body)


class RawClient:
    """An HTTP/1.1 client that sends exact bytes over one TLS or plain TCP connection.

    It parses responses itself, so a test controls every byte sent and can inspect every
    byte received, including any that follow an error response.
    """

    def __init__(self, port, host="127.0.0.1", tls=True, cert=None, key=None, ciphers=None, source=None):
        self.sock = socket.create_connection((host, port), timeout=TIMEOUT,
                                             source_address=(source, 0) if source else None)
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            if ciphers:
                context.set_ciphers(ciphers)
            if cert:
                context.load_cert_chain(str(cert), str(key))
            self.sock = context.wrap_socket(self.sock)
        self.buffer = b""

    @property
    def local_port(self):
        return self.sock.getsockname()[1]

    def send(self, data):
        self.sock.sendall(data)

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _fill(self):
        """Read more bytes into the buffer; return False at end of stream."""
        try:
            data = self.sock.recv(65536)
        except (ConnectionResetError, ssl.SSLError, ssl.SSLEOFError):
            return False
        if not data:
            return False
        self.buffer += data
        return True

    def _read_until(self, marker):
        while marker not in self.buffer:
            if not self._fill():
                raise ConnectionError(f"connection closed before {marker!r}; received {self.buffer[:200]!r}")
        head, self.buffer = self.buffer.split(marker, 1)
        return head

    def _read_exact(self, size):
        while len(self.buffer) < size:
            if not self._fill():
                raise ConnectionError(f"connection closed after {len(self.buffer)} of {size} body bytes")
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def _read_head(self):
        head = self._read_until(b"\r\n\r\n").decode("latin-1")
        status_line, *header_lines = head.split("\r\n")
        _, status, *reason = status_line.split(" ", 2)
        headers = [tuple(part.strip() for part in line.split(":", 1)) for line in header_lines]
        return int(status), (reason[0] if reason else ""), headers

    def read_interim(self):
        """Read one response head that must be a 1xx and return its status."""
        status, _, _ = self._read_head()
        return status

    def read_response(self, method="GET"):
        """Read one final response (skipping 1xx responses) with its body."""
        interim = []
        status, reason, headers = self._read_head()
        while 100 <= status < 200:
            interim.append(status)
            status, reason, headers = self._read_head()
        response = RawResponse(status, reason, headers, interim=interim)
        if method == "HEAD" or status in (204, 304):
            return response
        if "chunked" in (response.header("Transfer-Encoding") or "").lower():
            response.body = self._read_chunked()
        elif response.header("Content-Length") is not None:
            response.body = self._read_exact(int(response.header("Content-Length")))
        else:
            response.body = self.read_until_close()
        return response

    def _read_chunked(self):
        body = b""
        while True:
            size = int(self._read_until(b"\r\n").split(b";", 1)[0], 16)
            if size == 0:
                while self._read_until(b"\r\n"):
                    pass
                return body
            body += self._read_exact(size)
            self._read_until(b"\r\n")

    def read_until_close(self):
        """Read until the peer closes the connection and return what arrived."""
        deadline = time.monotonic() + TIMEOUT
        while self._fill():
            if time.monotonic() > deadline:
                raise AssertionError(f"the connection stayed open for more than {TIMEOUT} s")
        data, self.buffer = self.buffer, b""
        return data

    def request(self, method, path, headers=(), body=b"", host="e2e.test"):
        """Send one request with Host and Content-Length filled in, and read its response."""
        lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", *headers]
        if body:
            lines.append(f"Content-Length: {len(body)}")
        self.send(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        return self.read_response(method)


def curl_repeat(url, count, new_connections=False, **options):
    """Send `count` GET requests to `url` from one curl process; return (status, X-Backend-Name) pairs.

    curl's URL globbing appends `n=1` to `n=<count>` to the query. Requests share one
    keep-alive connection unless `new_connections` sends each with Connection: close.
    """
    separator = "&" if "?" in url else "?"
    headers = [*options.pop("headers", ()), *(["Connection: close"] if new_connections else [])]
    command = curl_command(f"{url}{separator}n=[1-{count}]", headers=headers,
                           extra=["-o", "/dev/null", "-w", "%{http_code} %header{x-backend-name}\\n",
                                  *options.pop("extra", ())], **options)
    completed = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT * 3)
    results = []
    for line in completed.stdout.splitlines():
        status, _, name = line.partition(" ")
        results.append((int(status), name))
    assert len(results) == count, f"curl ran {len(results)} of {count} requests: {completed.stderr}"
    return results
