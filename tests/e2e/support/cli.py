"""Running the `tollgate` client commands against a store-mode server started by a test."""

import os
import subprocess

from .settings import BINARY, TIMEOUT


def run_cli(server, *arguments, env=None):
    """Run `tollgate ARGUMENTS` and return the subprocess.CompletedProcess.

    The command gets the test's environment without its TOLLGATE_ variables, then
    TOLLGATE_DATA_DIR naming the data directory of `server` (unless `server` is None), then `env`.
    """
    environment = {key: value for key, value in os.environ.items() if not key.startswith("TOLLGATE_")}
    if server is not None:
        environment["TOLLGATE_DATA_DIR"] = str(server.data_dir)
    environment.update(env or {})
    return subprocess.run([str(BINARY), *map(str, arguments)], capture_output=True, text=True, env=environment,
                          timeout=TIMEOUT)


def run_ok(server, *arguments):
    """Run `tollgate ARGUMENTS` like run_cli, check that it exits 0, and return the CompletedProcess."""
    completed = run_cli(server, *arguments)
    assert completed.returncode == 0, f"tollgate {' '.join(map(str, arguments))} failed:\n{completed.stderr}"
    return completed
