"""Large bodies stream through the mTLS listener in both directions with bounded memory.

curl uploads 1 GiB (chunked from standard input, and from a file with Content-Length) and
downloads 1 GiB. The backend's byte count and SHA-256 must match what was sent, the download
must match the backend's pattern, and tollgate's peak resident set size (VmHWM) may grow by
less than 16 MiB over its value after a warm-up request.
"""

import functools
import hashlib
import json
import os
import subprocess
import threading

import pytest

from support.backend import pattern_bytes, pattern_sha256
from support.clients import curl, curl_command
from support.config import member, mtls_config
from support.ports import free_port
from support.settings import SANITIZE, TIMEOUT

# AddressSanitizer builds run about five times slower, so they move 256 MiB instead of 1 GiB.
SIZE = (256 if SANITIZE else 1024) * 1024 * 1024
WARM_UP_SIZE = 16 * 1024 * 1024
MAX_HWM_GROWTH_KIB = 16 * 1024
# A transfer's deadline: TIMEOUT per 64 MiB moved. A 256 MiB download through the ASan
# build took about 90 s on a 2-core machine, within the 240 s this gives.
TRANSFER_TIMEOUT = TIMEOUT * (SIZE // (64 * 1024 * 1024))


@pytest.fixture
def warmed_listener(tollgate, start_backend, guide_sha256):
    """Start the listener, move WARM_UP_SIZE bytes each way, and return (url, process, cert, baseline HWM)."""
    backend = start_backend("app-1")
    port = free_port()
    # ASan keeps freed memory in a quarantine (256 MiB by default), which would count as
    # growth here. A small quarantine keeps its checks and makes the peak comparable.
    env = {**os.environ, "ASAN_OPTIONS": "quarantine_size_mb=8:" + os.environ.get("ASAN_OPTIONS", "")}
    process = tollgate(mtls_config(guide_sha256.root, port, [member(backend.port)]), [port], env=env)
    url = f"https://127.0.0.1:{port}"
    cert = {"cert": guide_sha256.client.cert, "key": guide_sha256.client.key}

    warm_up = curl(f"{url}/upload", method="POST", upload_file="-", stdin=b"w" * WARM_UP_SIZE, **cert)
    assert warm_up.json()["bytes"] == WARM_UP_SIZE
    download = curl(f"{url}/download?bytes={WARM_UP_SIZE}", **cert)
    assert len(download.body) == WARM_UP_SIZE
    return url, process, cert, process.hwm_kib()


def run_streaming(command, feed=None):
    """Run curl, writing the `feed` blocks to its standard input from a thread.

    Returns (exit code, SHA-256 of its output, output size, first 4 KiB of the output, stderr).
    """
    process = subprocess.Popen(command, stdin=subprocess.PIPE if feed else subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stderr_chunks = []
    threads = [threading.Thread(target=lambda: stderr_chunks.append(process.stderr.read()))]
    if feed:
        def write_all():
            try:
                for block in feed:
                    process.stdin.write(block)
            except BrokenPipeError:
                pass  # curl failed; its exit code and stderr tell why
            finally:
                process.stdin.close()
        threads.append(threading.Thread(target=write_all))
    for thread in threads:
        thread.start()

    digest, size, head = hashlib.sha256(), 0, b""
    while True:
        block = process.stdout.read(1024 * 1024)
        if not block:
            break
        digest.update(block)
        size += len(block)
        if len(head) < 4096:
            head += block[:4096 - len(head)]
    code = process.wait(TRANSFER_TIMEOUT)
    for thread in threads:
        thread.join(TRANSFER_TIMEOUT)
    return code, digest.hexdigest(), size, head, b"".join(stderr_chunks).decode(errors="replace")


@functools.lru_cache(maxsize=None)
def expected_sha256(size):
    return pattern_sha256(size)


def assert_hwm_bounded(process, baseline_kib):
    growth = process.hwm_kib() - baseline_kib
    assert growth < MAX_HWM_GROWTH_KIB, f"VmHWM grew by {growth} KiB while streaming {SIZE} bytes"


def test_streaming_chunked_upload(warmed_listener):
    url, process, cert, baseline = warmed_listener
    command = curl_command(f"{url}/upload", method="POST", upload_file="-", timeout=TRANSFER_TIMEOUT, **cert)

    code, _, _, response, stderr = run_streaming(command, feed=pattern_bytes(SIZE))

    assert code == 0, stderr
    assert json.loads(response) == {"bytes": SIZE, "sha256": expected_sha256(SIZE)}
    assert_hwm_bounded(process, baseline)


def test_streaming_content_length_upload(warmed_listener, tmp_path):
    url, process, cert, baseline = warmed_listener
    body_file = tmp_path / "upload.bin"
    with open(body_file, "wb") as output:
        for block in pattern_bytes(SIZE):
            output.write(block)

    result = curl(f"{url}/upload", method="POST", upload_file=body_file, timeout=TRANSFER_TIMEOUT, **cert)
    body_file.unlink()

    assert result.exit_code == 0, result.stderr
    assert result.json() == {"bytes": SIZE, "sha256": expected_sha256(SIZE)}
    assert_hwm_bounded(process, baseline)


@pytest.mark.parametrize("chunked", [False, True], ids=["content_length", "chunked"])
def test_streaming_download(chunked, warmed_listener):
    url, process, cert, baseline = warmed_listener
    command = curl_command(f"{url}/download?bytes={SIZE}&chunked={int(chunked)}", timeout=TRANSFER_TIMEOUT, **cert)

    code, digest, size, _, stderr = run_streaming(command)

    assert code == 0, stderr
    assert size == SIZE
    assert digest == expected_sha256(SIZE)
    assert_hwm_bounded(process, baseline)
