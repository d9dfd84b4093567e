"""Start, watch and stop the server processes of a run, and read their CPU time and memory
from /proc."""

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

CLOCK_TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")
START_TIMEOUT_S = 15.0
STOP_TIMEOUT_S = 15.0
POLL_INTERVAL_S = 0.05


class ServerFailed(RuntimeError):
    """A server did not start or did not stop; the message carries the end of its log."""


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that the OS reported free. Another program may take it
    before the server binds it; the start then fails with the server's log."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def is_listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0):
            return True
    except OSError:
        return False


def _read_stat_fields(pid: int) -> list[str] | None:
    """Return the fields of /proc/PID/stat after the command name, so index 0 is field 3
    (state). None when the process is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return text[text.rindex(")") + 2:].split()


def _cpu_ticks(pid: int) -> int:
    fields = _read_stat_fields(pid)
    if fields is None:
        return 0
    # Fields 14 (utime) and 15 (stime) of proc(5), counted from 1.
    return int(fields[14 - 3]) + int(fields[15 - 3])


def _start_time(pid: int) -> int | None:
    fields = _read_stat_fields(pid)
    return None if fields is None else int(fields[22 - 3])


def _is_alive(pid: int, start_time: int) -> bool:
    """Return whether the process that had `start_time` still runs; a zombie has exited."""
    fields = _read_stat_fields(pid)
    return fields is not None and fields[0] != "Z" and int(fields[22 - 3]) == start_time


def _peak_rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        fields = _read_stat_fields(int(entry))
        if fields is not None and int(fields[4 - 3]) == pid:
            found.append(int(entry))
    return found


@dataclass
class ServerProcess:
    """A server started by this run: the process it started and the workers that process
    forked (NGINX). Stopped only by the PIDs recorded here."""

    name: str
    popen: subprocess.Popen
    log_path: Path
    port: int
    descendants: dict[int, int] = field(default_factory=dict)  # PID -> start time, for PID reuse checks

    @property
    def pid(self) -> int:
        return self.popen.pid

    def process_ids(self) -> list[int]:
        """Return the main PID and every live descendant, and remember the descendants so
        stop() can reach workers that outlive their master."""
        pids = [self.pid]
        index = 0
        while index < len(pids):
            pids.extend(_children(pids[index]))
            index += 1
        for pid in pids[1:]:
            start = _start_time(pid)
            if start is not None:
                self.descendants.setdefault(pid, start)
        return pids

    def cpu_seconds(self) -> float:
        """Return user plus system CPU time of the main process and its workers, all threads."""
        return sum(_cpu_ticks(pid) for pid in self.process_ids()) / CLOCK_TICKS_PER_SECOND

    def peak_rss_kib(self) -> int:
        """Return the sum of VmHWM over the processes. Pages shared between an NGINX master and
        its worker count twice, so this is an upper bound for multi-process servers."""
        return sum(_peak_rss_kib(pid) for pid in self.process_ids())

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return ""

    def wait_until_listening(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise ServerFailed(f"{self.name} exited with status {self.popen.returncode} before listening "
                                   f"on port {self.port}; log {self.log_path}:\n{self.log_tail()}")
            if is_listening(self.port):
                self.process_ids()
                return
            time.sleep(POLL_INTERVAL_S)
        raise ServerFailed(f"{self.name} was not listening on port {self.port} after {START_TIMEOUT_S:.0f} s; "
                           f"log {self.log_path}:\n{self.log_tail()}")

    def stop(self) -> None:
        """Send SIGTERM to the main process, wait for it, then SIGKILL it and any recorded
        worker that is still alive. Raises ServerFailed if the port still accepts connections."""
        self.process_ids()
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        self._kill_remaining_descendants()
        if is_listening(self.port):
            raise ServerFailed(f"port {self.port} of {self.name} still accepts connections after the stop")

    def _kill_remaining_descendants(self) -> None:
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for pid, start in self.descendants.items():
            while _is_alive(pid, start) and time.monotonic() < deadline:
                time.sleep(POLL_INTERVAL_S)
            if _is_alive(pid, start):
                os.kill(pid, signal.SIGKILL)


def start_server(name: str, argv: list[str], cpu: int, log_path: Path, port: int,
                 stdout_path: Path | None = None) -> ServerProcess:
    """Start `argv` pinned to `cpu` with taskset, with output in `log_path`, and wait until it
    accepts connections on `port`. With `stdout_path`, standard output goes to that file
    instead and only standard error to `log_path`. The server gets its own session, so a
    Ctrl-C at the terminal reaches only this script, which then stops the server itself."""
    with open(log_path, "wb") as log, open(stdout_path or os.devnull, "wb") as separate_stdout:
        popen = subprocess.Popen(["taskset", "-c", str(cpu), *argv], stdin=subprocess.DEVNULL,
                                 stdout=separate_stdout if stdout_path else log,
                                 stderr=log, start_new_session=True)
    server = ServerProcess(name=name, popen=popen, log_path=log_path, port=port)
    try:
        server.wait_until_listening()
    except BaseException:
        server.stop()
        raise
    return server
