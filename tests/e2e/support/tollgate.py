"""The tollgate process under test: its configuration file, start, reload, stop and log."""

import re
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .ports import accepts_connections
from .settings import BINARY, TIMEOUT, wait_until

_RELOAD_OUTCOME = re.compile(r"reload succeeded generation=(\d+)|reload failed, keeping generation=(\d+)")


@dataclass
class ReloadResult:
    succeeded: bool
    generation: int
    lines: list  # log lines written from the SIGHUP up to and including the outcome line


class Tollgate:
    """One `tollgate serve --config FILE` process started by a test.

    `ports` are the listener ports of the configuration: start() waits until each accepts TCP
    connections, and the fixture that owns this object checks that none listens afterwards.
    """

    def __init__(self, workdir, config, ports, workers=2, extra_arguments=(), env=None):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.config_path = self.workdir / "lb.yaml"
        self.log_path = self.workdir / "tollgate.log"
        self.ports = list(ports)
        self.workers = workers
        self.extra_arguments = list(extra_arguments)
        self.env = env
        self.process = None
        self.write_config(config)

    def write_config(self, config):
        self.config_path.write_text(config)

    def command(self):
        return [str(BINARY), "serve", "--config", str(self.config_path), "--workers", str(self.workers),
                "--log-level", "debug", *self.extra_arguments]

    def _spawn(self):
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL,
                                            stdout=log, stderr=subprocess.STDOUT, env=self.env)

    def start(self):
        """Start the process and wait for `ready generation=1` and every listener port."""
        assert BINARY.exists(), f"tollgate binary not found at {BINARY}: build it or set TOLLGATE_BINARY"
        self._spawn()
        try:
            wait_until(self._ready_or_exited, "tollgate to log 'ready generation=1'")
            assert self.process.poll() is None, (
                f"tollgate exited with code {self.process.returncode} during start-up:\n{self.log_text()}")
            for port in self.ports:
                wait_until(lambda port=port: accepts_connections("127.0.0.1", port),
                           f"tollgate to accept connections on port {port}")
        except BaseException:
            self.kill()
            raise
        return self

    def _ready_or_exited(self):
        return self.process.poll() is not None or self.find_lines(r"\bready generation=1\b")

    def start_expecting_failure(self):
        """Start the process, wait for it to exit, and return (exit code, log text)."""
        self._spawn()
        try:
            code = self.process.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"tollgate kept running although its start should fail:\n{self.log_text()}")
        return code, self.log_text()

    def log_text(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def log_lines(self):
        return self.log_text().splitlines()

    def find_lines(self, pattern, since=0):
        """Return the log lines from index `since` on that match the regular expression."""
        expression = re.compile(pattern)
        return [line for line in self.log_lines()[since:] if expression.search(line)]

    def wait_for_line(self, pattern, since=0):
        """Wait until a log line from index `since` on matches `pattern` and return the first."""
        lines = wait_until(lambda: self.find_lines(pattern, since), f"log line matching {pattern!r}")
        return lines[0]

    def reload(self):
        """Send SIGHUP and wait for the reload outcome line that follows it."""
        since = len(self.log_lines())
        self.process.send_signal(signal.SIGHUP)
        outcome = self.wait_for_line(_RELOAD_OUTCOME.pattern, since)
        match = _RELOAD_OUTCOME.search(outcome)
        lines = self.log_lines()[since:]
        if match.group(2) is not None:
            # The config error lines follow the outcome line; give them the same deadline.
            wait_until(lambda: self.find_lines(r"config error: ", since), "config error lines after a failed reload")
            lines = self.log_lines()[since:]
            return ReloadResult(False, int(match.group(2)), lines)
        return ReloadResult(True, int(match.group(1)), lines)

    def running(self):
        return self.process is not None and self.process.poll() is None

    def stop(self):
        """Send SIGTERM, wait for the exit and return the exit code."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(TIMEOUT)
            except subprocess.TimeoutExpired:
                self.kill()
                raise AssertionError(f"tollgate did not exit within {TIMEOUT} s of SIGTERM")
        return self.process.returncode

    def kill(self):
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(TIMEOUT)

    def _status_kib(self, field):
        with open(f"/proc/{self.process.pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        raise AssertionError(f"{field} missing from /proc/{self.process.pid}/status")

    def rss_kib(self):
        """Return the resident set size (VmRSS) in KiB."""
        return self._status_kib("VmRSS")

    def hwm_kib(self):
        """Return the peak resident set size (VmHWM) in KiB."""
        return self._status_kib("VmHWM")
