"""Count the lines of a proxy's access log while a run goes on, and check them against the
responses the generator received."""

import time
from dataclasses import dataclass
from pathlib import Path

READ_CHUNK_BYTES = 16 * 1024 * 1024
# tollgate writes its buffers every 100 ms; HAProxy and NGINX write each line when the
# request ends. A count that stayed the same over this long is taken as final.
SETTLE_S = 0.5
SETTLE_TIMEOUT_S = 30.0
POLL_INTERVAL_S = 0.1
TOLLGATE_DROPPED_MESSAGE = "the access log dropped"


@dataclass
class LineCounter:
    """Counts the newline-terminated lines of a file that only grows, reading each byte once."""

    path: Path
    logs_rejected_handshakes: bool = False  # the proxy writes a line for each rejected handshake
    offset: int = 0
    lines: int = 0

    def expected_lines(self, generator, port: int) -> int:
        """Return the lines that every generator run against `port` so far should have added:
        one per response received, and one per rejected handshake for a proxy that logs them."""
        expected = generator.responses_by_port[port]
        if self.logs_rejected_handshakes:
            expected += generator.rejected_handshakes_by_port[port]
        return expected

    def count(self) -> int:
        try:
            with open(self.path, "rb") as file:
                file.seek(self.offset)
                while chunk := file.read(READ_CHUNK_BYTES):
                    self.lines += chunk.count(b"\n")
                    self.offset += len(chunk)
        except FileNotFoundError:
            pass
        return self.lines

    def settled_count(self, expected: int) -> int:
        """Return the line count once it has reached `expected` and then stayed the same for
        SETTLE_S, so a late flush that adds unexpected lines is counted too. Gives up after
        SETTLE_TIMEOUT_S and returns the count it has, which the caller reports as a
        mismatch."""
        # The first count may read gigabytes after a long run, so the timeout starts after it.
        last = self.count()
        deadline = time.monotonic() + SETTLE_TIMEOUT_S
        last_change = time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(POLL_INTERVAL_S)
            current = self.count()
            if current != last:
                last, last_change = current, time.monotonic()
            elif current >= expected and time.monotonic() - last_change >= SETTLE_S:
                break
        return last


def dropped_warnings(tollgate_output: Path) -> list[str]:
    """Return tollgate's log lines that report dropped access log lines."""
    try:
        text = tollgate_output.read_text(errors="replace")
    except FileNotFoundError:
        return []
    return [line for line in text.splitlines() if TOLLGATE_DROPPED_MESSAGE in line]
