"""Run tollgate-loadgen, prove that each proxy enforces mutual TLS before it is measured, and
cross-check the generator's connection count against `openssl s_time`."""

import json
import re
import resource
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from harness.certs import Certificates
from harness.servers import BACKEND_HEADER, GENERATOR_CPU

# The generator offers one TLS 1.3 suite, so no proxy wins by picking a cheaper cipher. The
# negotiated protocol and suite are recorded with each run.
TLS13_SUITE = "TLS_AES_128_GCM_SHA256"
REQUEST_TIMEOUT_S = 10


class ProofFailed(RuntimeError):
    """A proxy did not reject a client without a certificate, or did not forward a request with one."""


def responses_received(summary: dict) -> int:
    """Return how many requests of a generator run got an HTTP response, as expected or not.
    Each of them is one line in the proxy's access log. Failed connects, rejected handshakes
    and I/O errors are not counted, because no complete response arrived."""
    return summary["requests_ok"] + summary["errors"]["status"] + summary["errors"]["missing_header"]


@dataclass
class LoadGenerator:
    binary: Path
    certs: Certificates
    # Per proxy port, over every run of this generator: responses received and rejected
    # handshakes. The access log check compares the log's line count with them.
    responses_by_port: Counter = field(default_factory=Counter)
    rejected_handshakes_by_port: Counter = field(default_factory=Counter)

    def run(self, port: int, *, mode: str, connections: int, duration: float | None = None,
            requests: int | None = None, no_cert: bool = False, expect_status: int = 200,
            expect_header: tuple[str, str] | None = BACKEND_HEADER) -> dict:
        """Run the generator pinned to the generator CPU and return its JSON summary plus
        `generator_cpu_s`, its own user and system CPU time."""
        argv = ["taskset", "-c", str(GENERATOR_CPU), str(self.binary),
                "--url", f"https://127.0.0.1:{port}/", "--cacert", str(self.certs.ca_cert),
                "--tls13-ciphersuites", TLS13_SUITE, "--mode", mode, "--connections", str(connections),
                "--timeout", str(REQUEST_TIMEOUT_S), "--expect-status", str(expect_status)]
        if no_cert:
            argv.append("--no-cert")
        else:
            argv += ["--cert", str(self.certs.client_cert), "--key", str(self.certs.client_key)]
        if duration is not None:
            argv += ["--duration", str(duration)]
        if requests is not None:
            argv += ["--requests", str(requests)]
        if expect_header is not None:
            argv += ["--expect-header", f"{expect_header[0]}: {expect_header[1]}"]

        # RUSAGE_CHILDREN grows by the generator's time once subprocess.run has reaped it; no
        # other child ends while it runs.
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        result = subprocess.run(argv, capture_output=True, text=True,
                                timeout=(duration or 0) + 4 * REQUEST_TIMEOUT_S + 30)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} exited with status {result.returncode}:\n{result.stderr}")
        summary = json.loads(result.stdout)
        self.responses_by_port[port] += responses_received(summary)
        self.rejected_handshakes_by_port[port] += summary["errors"]["handshake"]
        summary["generator_cpu_s"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        return summary


def _only_error(summary: dict) -> tuple[str, list[str]]:
    """Return the single error kind of a one-request run and its messages."""
    kinds = [kind for kind, count in summary["errors"].items() if count > 0]
    if summary["requests_ok"] != 0 or summary["errors_total"] != 1 or len(kinds) != 1:
        raise ProofFailed(f"expected exactly one failed request, got {json.dumps(summary)}")
    return kinds[0], summary["error_samples"].get(kinds[0], [])


def prove_mutual_tls(generator: LoadGenerator, port: int) -> dict:
    """Check, before any measurement, that the proxy on `port` rejects a client without a
    certificate and forwards a request from a client with one to the backend. Returns what was
    observed; raises ProofFailed otherwise."""
    no_cert = generator.run(port, mode="handshake", connections=1, requests=1, no_cert=True)
    kind, messages = _only_error(no_cert)
    proof = {"without_certificate": {"error": kind, "messages": messages}}

    if kind == "status":
        # NGINX completes the handshake and responds with 400. A generator that silently lost its
        # certificate must still fail: the 400 comes from the proxy, so the backend's header is missing.
        header_check = generator.run(port, mode="handshake", connections=1, requests=1, no_cert=True,
                                     expect_status=400)
        header_kind, header_messages = _only_error(header_check)
        if header_kind != "missing_header":
            raise ProofFailed(f"a 400 without a certificate was not caught by the header check: {header_messages}")
        proof["without_certificate_header_check"] = {"error": header_kind, "messages": header_messages}
    elif kind != "handshake":
        raise ProofFailed(f"a client without a certificate was not rejected: {kind} {messages}")

    with_cert = generator.run(port, mode="handshake", connections=1, requests=1)
    if with_cert["requests_ok"] != 1 or with_cert["errors_total"] != 0:
        raise ProofFailed(f"a request with the client certificate failed: {json.dumps(with_cert['error_samples'])}")
    proof["with_certificate"] = {"requests_ok": 1, "tls": with_cert["tls"]}
    return proof


S_TIME_RESULT = re.compile(r"(\d+) connections in (\d+) real seconds")
CROSS_CHECK_MAX_FACTOR = 2.0


def cross_check_with_s_time(generator: LoadGenerator, port: int, seconds: int) -> dict:
    """Count new mutual-TLS connections per second with `openssl s_time -new` and with the
    generator in handshake mode over one connection, both pinned to the generator CPU and both
    sending one request per connection. The two counts should agree within a factor of 2;
    s_time reports whole seconds only."""
    argv = ["taskset", "-c", str(GENERATOR_CPU), "openssl", "s_time", "-connect", f"127.0.0.1:{port}",
            "-cert", str(generator.certs.client_cert), "-key", str(generator.certs.client_key),
            "-CAfile", str(generator.certs.ca_cert), "-new", "-time", str(seconds), "-www", "/"]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 30)
    match = S_TIME_RESULT.search(result.stdout)
    if result.returncode != 0 or match is None:
        raise RuntimeError(f"{' '.join(argv)} failed with status {result.returncode}:\n"
                           f"{result.stdout}\n{result.stderr}")
    s_time_connections, s_time_seconds = int(match.group(1)), int(match.group(2))
    s_time_rate = s_time_connections / max(s_time_seconds, 1)

    summary = generator.run(port, mode="handshake", connections=1, duration=seconds)
    loadgen_rate = summary["connections_opened"] / summary["elapsed_s"]
    ratio = loadgen_rate / s_time_rate if s_time_rate > 0 else float("inf")
    return {
        "seconds": seconds,
        "s_time_connections": s_time_connections,
        "s_time_real_seconds": s_time_seconds,
        "s_time_connections_per_s": s_time_rate,
        "loadgen_connections": summary["connections_opened"],
        "loadgen_elapsed_s": summary["elapsed_s"],
        "loadgen_connections_per_s": loadgen_rate,
        "loadgen_errors": summary["errors_total"],
        "ratio": ratio,
        "agree": 1 / CROSS_CHECK_MAX_FACTOR <= ratio <= CROSS_CHECK_MAX_FACTOR,
    }
