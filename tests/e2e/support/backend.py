"""Backend HTTP/1.1 server of the end-to-end tests, and the handle that runs it as a process.

Run as a script (`python3 backend.py --name NAME [--port PORT]`), it listens on 127.0.0.1,
prints the port it bound as its first line of standard output, and serves until SIGTERM.
It uses only the standard library, so it runs as a file path without the test package.

Routes (every response carries `X-Backend-Name`):
  GET /echo and any unknown path   200 JSON {method, path, headers: [[name, value], ...], body_length}
  POST /upload                     reads a Content-Length or chunked body as a stream and returns
                                   JSON {bytes, sha256}
  GET /download?bytes=N[&chunked=1]  N bytes of pattern_bytes(), with Content-Length or chunked
  GET /slow?seconds=S              waits S seconds, then responds like /echo
  GET /status/NNN                  responds with status NNN
  GET /__requests                  JSON list of every request received so far, oldest first
  POST /__reset                    clears that list
A request is recorded as soon as its head is parsed, before its body is read, so a test can
see a request that is still in progress. /__requests and /__reset are not recorded.
"""

import argparse
import hashlib
import http.client
import json
import os
import random
import selectors
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

try:
    from .settings import TIMEOUT
except ImportError:  # run as a script, outside the package
    TIMEOUT = 20.0

# A prime period, so a chunk that is shifted, repeated or dropped changes the digest.
_PATTERN_PERIOD = 65521
_PATTERN = random.Random(20261204).randbytes(_PATTERN_PERIOD)
_READ_SIZE = 256 * 1024


def pattern_bytes(size):
    """Yield `size` bytes of the deterministic download pattern in blocks of at most 1 MiB."""
    block = _PATTERN * (1024 * 1024 // _PATTERN_PERIOD + 1)
    offset = 0
    while offset < size:
        start = offset % _PATTERN_PERIOD
        length = min(size - offset, len(block) - _PATTERN_PERIOD)
        yield block[start:start + length]
        offset += length


def pattern_sha256(size):
    digest = hashlib.sha256()
    for block in pattern_bytes(size):
        digest.update(block)
    return digest.hexdigest()


def header_values(pairs, name):
    """Return the values of every header called `name` (any case) in [name, value] pairs."""
    return [value for key, value in pairs if key.lower() == name.lower()]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "e2e-backend"

    def log_message(self, format, *args):  # noqa: A002 - signature fixed by the base class
        pass

    def do_GET(self):
        self._dispatch()

    def do_HEAD(self):
        self._dispatch()

    def do_POST(self):
        self._dispatch()

    def do_PUT(self):
        self._dispatch()

    def do_DELETE(self):
        self._dispatch()

    def do_OPTIONS(self):
        self._dispatch()

    def do_PATCH(self):
        self._dispatch()

    def _dispatch(self):
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        if url.path == "/__requests":
            self._discard_body()
            with self.server.record_lock:
                self._send_json(200, list(self.server.record))
            return
        if url.path == "/__reset" and self.command == "POST":
            self._discard_body()
            with self.server.record_lock:
                self.server.record.clear()
            self._send_json(200, {"reset": True})
            return

        with self.server.record_lock:
            self.server.record.append({
                "method": self.command,
                "path": self.path,
                "headers": [[name, value] for name, value in self.headers.items()],
            })

        if url.path == "/upload" and self.command in ("POST", "PUT"):
            byte_count, digest = self._read_body()
            self._send_json(200, {"bytes": byte_count, "sha256": digest})
        elif url.path == "/download":
            self._discard_body()
            size = int(query.get("bytes", ["0"])[0])
            self._send_download(size, query.get("chunked", ["0"])[0] == "1")
        elif url.path == "/slow":
            length, _ = self._read_body()
            time.sleep(float(query.get("seconds", ["1"])[0]))
            self._send_echo(length)
        elif url.path.startswith("/status/"):
            self._discard_body()
            self._send_status(int(url.path.rsplit("/", 1)[1]))
        else:
            length, _ = self._read_body()
            self._send_echo(length)

    def _body_chunks(self):
        """Yield the request body as it arrives, decoding chunked transfer coding."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            while True:
                size_line = self.rfile.readline(1024)
                size = int(size_line.split(b";", 1)[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    return
                remaining = size
                while remaining:
                    data = self.rfile.read(min(remaining, _READ_SIZE))
                    if not data:
                        raise ConnectionError("connection closed inside a chunk")
                    remaining -= len(data)
                    yield data
                self.rfile.readline(1024)
        else:
            remaining = int(self.headers.get("Content-Length", "0"))
            while remaining:
                data = self.rfile.read(min(remaining, _READ_SIZE))
                if not data:
                    raise ConnectionError("connection closed inside the body")
                remaining -= len(data)
                yield data

    def _read_body(self):
        digest = hashlib.sha256()
        byte_count = 0
        for data in self._body_chunks():
            digest.update(data)
            byte_count += len(data)
        return byte_count, digest.hexdigest()

    def _discard_body(self):
        for _ in self._body_chunks():
            pass

    def _start(self, status, content_type=None, length=None, chunked=False):
        self.send_response(status)
        self.send_header("X-Backend-Name", self.server.name)
        if content_type:
            self.send_header("Content-Type", content_type)
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        elif length is not None:
            self.send_header("Content-Length", str(length))
        self.end_headers()

    def _send_json(self, status, document):
        body = json.dumps(document).encode()
        self._start(status, "application/json", len(body))
        if self.command != "HEAD":
            self.wfile.write(body)

    def _send_echo(self, body_length):
        self._send_json(200, {
            "method": self.command,
            "path": self.path,
            "headers": [[name, value] for name, value in self.headers.items()],
            "body_length": body_length,
        })

    def _send_download(self, size, chunked):
        self._start(200, "application/octet-stream", size, chunked)
        if self.command == "HEAD":
            return
        for block in pattern_bytes(size):
            if chunked:
                self.wfile.write(b"%x\r\n" % len(block) + block + b"\r\n")
            else:
                self.wfile.write(block)
        if chunked:
            self.wfile.write(b"0\r\n\r\n")

    def _send_status(self, status):
        if status in (204, 304) or status < 200:
            self._start(status)
            return
        body = f"status {status}\n".encode()
        self._start(status, "text/plain", len(body))
        if self.command != "HEAD":
            self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, name):
        super().__init__(address, _Handler)
        self.name = name
        self.record = []
        self.record_lock = threading.Lock()


def main():
    parser = argparse.ArgumentParser(description="Backend HTTP/1.1 server of the end-to-end tests.")
    parser.add_argument("--name", required=True, help="value of the X-Backend-Name response header")
    parser.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1; 0 lets the OS choose")
    arguments = parser.parse_args()

    server = _Server(("127.0.0.1", arguments.port), arguments.name)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print(server.server_address[1], flush=True)
    server.serve_forever()
    server.server_close()


class Backend:
    """A backend server process started by a test; `stop()` ends it by its PID."""

    def __init__(self, name, log_dir, port=0):
        self.name = name
        self.host = "127.0.0.1"
        self._log_path = Path(log_dir) / f"backend-{name}.log"
        self._log = open(self._log_path, "wb")
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--name", name, "--port", str(port)],
            stdout=subprocess.PIPE, stderr=self._log)
        self.port = self._read_port()

    def _read_port(self):
        deadline = time.monotonic() + TIMEOUT
        selector = selectors.DefaultSelector()
        selector.register(self.process.stdout, selectors.EVENT_READ)
        line = b""
        while not line.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.select(remaining):
                self.stop()
                raise RuntimeError(f"backend {self.name} did not print its port within {TIMEOUT} s")
            data = os.read(self.process.stdout.fileno(), 64)
            if not data:
                self.stop()
                raise RuntimeError(f"backend {self.name} exited: {self._log_path.read_text()}")
            line += data
        selector.close()
        return int(line)

    def _call(self, method, path):
        connection = http.client.HTTPConnection(self.host, self.port, timeout=10)
        try:
            connection.request(method, path)
            response = connection.getresponse()
            return json.loads(response.read())
        finally:
            connection.close()

    def requests(self):
        """Return every request this backend received, as dicts with method, path and headers."""
        return self._call("GET", "/__requests")

    def paths(self):
        return [request["path"] for request in self.requests()]

    def last_headers(self):
        """Return the [name, value] header pairs of the latest request received."""
        received = self.requests()
        assert received, f"backend {self.name} received no request"
        return received[-1]["headers"]

    def reset(self):
        self._call("POST", "/__reset")

    def stop(self):
        """Send SIGTERM, wait for the exit (SIGKILL after the timeout) and return the exit code."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(TIMEOUT)
        self.process.stdout.close()
        self._log.close()
        return self.process.returncode


if __name__ == "__main__":
    main()
