"""The tollgate processes under test: file mode and store mode, start, reload, stop, log and API."""

import re
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

import requests

from .ports import accepts_connections
from .settings import BINARY, TIMEOUT, wait_until

_RELOAD_OUTCOME = re.compile(r"reload succeeded generation=(\d+)|reload failed, keeping generation=(\d+)")
_API_LISTENING = re.compile(r"\bapi listening address=(http://\S+) data_dir=")


@dataclass
class ReloadResult:
    succeeded: bool
    generation: int
    lines: list  # log lines written from the SIGHUP up to and including the outcome line


class TollgateProcess:
    """One `tollgate serve` process started by a test, with its log in `workdir`.

    Every start appends to the same log file. Log searches start at the line where the
    latest start began, so that a restart does not find the lines of the run before it.
    """

    def __init__(self, workdir, workers, extra_arguments=(), env=None):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.workdir / "tollgate.log"
        self.workers = workers
        self.extra_arguments = list(extra_arguments)
        self.env = env
        self.process = None
        self._run_start = 0  # index of the first log line of the latest start

    def command(self):
        raise NotImplementedError

    def _spawn(self):
        self._run_start = len(self._all_log_lines())
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL,
                                            stdout=log, stderr=subprocess.STDOUT, env=self.env)

    def _wait_ready(self):
        """Wait for `ready generation=1`, and fail with the log when the process exits first."""
        wait_until(self._ready_or_exited, "tollgate to log 'ready generation=1'")
        assert self.process.poll() is None, (
            f"tollgate exited with code {self.process.returncode} during start-up:\n{self.log_text()}")

    def _ready_or_exited(self):
        return self.process.poll() is not None or self.find_lines(r"\bready generation=1\b")

    def start_expecting_failure(self):
        """Start the process, wait for it to exit, and return (exit code, log text of this start)."""
        assert BINARY.exists(), f"tollgate binary not found at {BINARY}: build it or set TOLLGATE_BINARY"
        self._spawn()
        try:
            code = self.process.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"tollgate kept running although its start should fail:\n{self.log_text()}")
        return code, self.log_text()

    def _all_log_lines(self):
        return self.log_path.read_text(errors="replace").splitlines() if self.log_path.exists() else []

    def log_lines(self):
        """Return the log lines of the latest start."""
        return self._all_log_lines()[self._run_start:]

    def log_text(self):
        return "".join(line + "\n" for line in self.log_lines())

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
            # The config error lines come before or after the outcome line, depending on
            # the failing step; give them the same deadline.
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


class Tollgate(TollgateProcess):
    """One `tollgate serve --config FILE` process started by a test.

    `ports` are the listener ports of the configuration: start() waits until each accepts TCP
    connections, and the fixture that owns this object checks that none listens afterwards.
    The process runs with --no-api, so that tests started side by side do not compete for
    the API's default port and write nothing outside their folder.
    """

    def __init__(self, workdir, config, ports, workers=2, extra_arguments=(), env=None):
        super().__init__(workdir, workers, extra_arguments, env)
        self.config_path = self.workdir / "lb.yaml"
        self.ports = list(ports)
        self.write_config(config)

    def write_config(self, config):
        self.config_path.write_text(config)

    def command(self):
        return [str(BINARY), "serve", "--config", str(self.config_path), "--workers", str(self.workers),
                "--log-level", "debug", "--no-api", *self.extra_arguments]

    def start(self):
        """Start the process and wait for `ready generation=1` and every listener port."""
        assert BINARY.exists(), f"tollgate binary not found at {BINARY}: build it or set TOLLGATE_BINARY"
        self._spawn()
        try:
            self._wait_ready()
            for port in self.ports:
                wait_until(lambda port=port: accepts_connections("127.0.0.1", port),
                           f"tollgate to accept connections on port {port}")
        except BaseException:
            self.kill()
            raise
        return self


_DEFAULT_TOKEN = object()


class TollgateStore(TollgateProcess):
    """One `tollgate serve` process in store mode, with its data directory and REST API.

    `api_port` 0 lets the OS choose the port on every start; `api_listen` replaces the whole
    --api-listen value, e.g. "[::1]:0". `api_ports` collects every port used, for the
    fixture's check that none listens after the test. `data_dir` defaults to
    `workdir/data`. With data_dir_flag=False the command leaves out --data-dir, so that
    tollgate picks its default, which `data_dir` must then name. With api=False the
    process runs with --no-api. Adding --config to `extra_arguments` runs file mode with the API.
    """

    def __init__(self, workdir, api_port=0, data_dir=None, workers=1, extra_arguments=(), env=None, api=True,
                 data_dir_flag=True, api_listen=None):
        super().__init__(workdir, workers, extra_arguments, env)
        self.data_dir = Path(data_dir) if data_dir is not None else self.workdir / "data"
        self.api_listen = api_listen if api_listen is not None else f"127.0.0.1:{api_port}"
        self.api_enabled = api
        self.data_dir_flag = data_dir_flag
        self.api_ports = []
        self.url = None  # http://127.0.0.1:PORT of the running API
        self._session = requests.Session()
        self._session.trust_env = False  # no proxy from the environment for loopback requests

    def command(self):
        data_dir = ["--data-dir", str(self.data_dir)] if self.data_dir_flag else []
        api = ["--api-listen", self.api_listen] if self.api_enabled else ["--no-api"]
        return [str(BINARY), "serve", *data_dir, *api, "--workers", str(self.workers), "--log-level", "debug",
                *self.extra_arguments]

    def start(self):
        """Start the process and wait until it is ready and its API responds to GET /versions."""
        assert BINARY.exists(), f"tollgate binary not found at {BINARY}: build it or set TOLLGATE_BINARY"
        self._spawn()
        try:
            self._wait_ready()
            if self.api_enabled:
                line = self.wait_for_line(_API_LISTENING.pattern)
                self.url = _API_LISTENING.search(line).group(1)
                self.api_ports.append(int(self.url.rsplit(":", 1)[1]))
                wait_until(self._versions_responds, f"the API at {self.url} to respond to GET /versions")
        except BaseException:
            self.kill()
            raise
        return self

    def _versions_responds(self):
        try:
            return self.api("GET", "/versions", token=None).status_code == 200
        except requests.ConnectionError:
            return False

    def restart(self):
        """Stop the process with SIGTERM, check that it exited 0, and start it again."""
        code = self.stop()
        assert code == 0, f"tollgate exited with code {code} on SIGTERM:\n{self.log_text()}"
        return self.start()

    @property
    def token(self):
        """The admin token from DATA_DIR/admin-token."""
        return (self.data_dir / "admin-token").read_text().strip()

    def api(self, method, path, body=None, token=_DEFAULT_TOKEN, headers=None):
        """Send one request to the API and return the requests.Response.

        The admin token goes in X-Auth-Token unless `token` is given; token=None sends none.
        `body`, when not None, is sent as JSON.
        """
        sent_headers = dict(headers or {})
        token = self.token if token is _DEFAULT_TOKEN else token
        if token is not None:
            sent_headers["X-Auth-Token"] = token
        return self._session.request(method, self.url + path, json=body, headers=sent_headers, timeout=TIMEOUT)

    def kill(self):
        self._session.close()
        super().kill()
