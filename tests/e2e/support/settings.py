"""Paths, the one timeout of the suite, and polling with a deadline."""

import os
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]

BINARY = Path(os.environ.get("TOLLGATE_BINARY", "build/release/tollgate"))
if not BINARY.is_absolute():
    BINARY = REPO_ROOT / BINARY

SANITIZE = os.environ.get("TOLLGATE_SANITIZE", "0") == "1"

# Seconds any single wait may take. AddressSanitizer builds run several times slower, so
# their waits get three times as long.
TIMEOUT = float(os.environ.get("TOLLGATE_TEST_TIMEOUT", "20")) * (3 if SANITIZE else 1)

POLL_INTERVAL = 0.02


class WaitTimeout(AssertionError):
    """A condition did not become true before its deadline."""


def wait_until(condition, description, timeout=None):
    """Call `condition` until it returns a true value and return that value.

    Raises WaitTimeout naming `description` when `timeout` seconds (default TIMEOUT) pass.
    """
    deadline = time.monotonic() + (TIMEOUT if timeout is None else timeout)
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise WaitTimeout(f"timed out after {TIMEOUT if timeout is None else timeout} s waiting for {description}")
        time.sleep(POLL_INTERVAL)
