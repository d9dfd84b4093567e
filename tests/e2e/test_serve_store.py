"""`tollgate serve` in store mode: the data directory, the admin token and the REST API.

Without --config, tollgate keeps its configuration in the store in the data directory and
serves the REST API on --api-listen. The first start creates the directory (mode 0700), the
admin token (mode 0600) and the database; a restart keeps the token. Requests under /v3/
need the token, GET /versions does not. A busy API port or a bad --api-listen value stops
the start with a message that names the value and the fix. SIGTERM closes the API port,
and the token appears neither in the log nor on the command line.

A change through the API opens the new listener's port at once, and a restart opens it
again from the store. A listener port that another process uses gets 409 and changes
nothing. With --config the API runs too, rejects changes with 403 and keeps the file's
configuration. Both modes apply a configuration in two steps, prepare and publish; a
reload that fails in the prepare step closes the ports it opened.

Each test starts its own process with --api-listen 127.0.0.1:0 and a data directory in its
temporary folder.
"""

import json
import os
import re
import socket
import stat

import pytest

from support.config import config_text, listener, member
from support.cli import run_cli
from support.elb import create, echo, elb
from support.ports import connection_refused, free_port, listening_ports, wait_accepting
from support.settings import wait_until

PROJECT = "0123456789abcdef0123456789abcdef"
LOADBALANCERS = f"/v3/{PROJECT}/elb/loadbalancers"
LISTENERS = f"/v3/{PROJECT}/elb/listeners"
TOKEN_PATTERN = re.compile(r"[0-9a-f]{64}\n")


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


_ERROR_LINE = re.compile(r"^\S+ error +\[\w+\] (.*)$")


def error_lines(log_text):
    """Return the messages of the log lines at error level."""
    return [match.group(1) for match in map(_ERROR_LINE.match, log_text.splitlines()) if match]


def test_first_start_creates_data_dir(store_server):
    process = store_server()

    assert mode(process.data_dir) == 0o700
    token_file = process.data_dir / "admin-token"
    assert mode(token_file) == 0o600
    assert TOKEN_PATTERN.fullmatch(token_file.read_text())
    assert (process.data_dir / "tollgate.db").is_file()


def test_first_start_writes_api_endpoint(store_server):
    process = store_server()

    endpoint_file = process.data_dir / "api-endpoint"
    assert mode(endpoint_file) == 0o644
    assert endpoint_file.read_text() == process.url + "\n"
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", process.url)
    assert process.find_lines(rf"api listening address={re.escape(process.url)} data_dir={process.data_dir}$")


def test_restart_keeps_token(store_server):
    process = store_server()
    token = process.token

    process.restart()

    assert process.token == token
    assert process.api("GET", LOADBALANCERS).status_code == 200


@pytest.mark.parametrize("token", [None, "", "0" * 64, "not-a-token"], ids=["missing", "empty", "wrong", "short"])
def test_api_without_valid_token_gets_401(store_server, token):
    process = store_server()

    response = process.api("GET", LOADBALANCERS, token=token)

    assert response.status_code == 401
    body = response.json()
    assert body["error_code"] == "ELB.1103"
    assert body["error_msg"] == "The X-Auth-Token header is missing or invalid. Send the admin token."
    assert body["request_id"] == response.headers["X-Request-Id"]


def test_api_with_token_lists_resources(store_server):
    process = store_server()

    response = process.api("GET", LOADBALANCERS)

    assert response.status_code == 200, response.text
    assert response.json()["loadbalancers"] == []


def test_versions_need_no_token(store_server):
    process = store_server()

    response = process.api("GET", "/versions", token=None)

    assert response.status_code == 200
    assert response.json() == {"versions": [{"id": "v3", "status": "CURRENT"}]}


@pytest.mark.parametrize("value", ["localhost:9000", "127.0.0.1", "::1:9000", "[127.0.0.1]:9000",
                                   "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:", "[::1]9000"])
def test_api_listen_rejects_bad_value(store_server, value):
    process = store_server(start=False, api_listen=value)

    code, output = process.start_expecting_failure()

    assert code == 105
    assert output.splitlines()[0] == (
        f'--api-listen: invalid value "{value}": use ADDRESS:PORT with an IPv4 address, or an IPv6 address in '
        "brackets, and a port from 0 to 65535 (0 lets the OS choose), e.g. 127.0.0.1:9000 or [::1]:9000")
    assert not process.data_dir.exists()


def test_api_listen_accepts_ipv6(store_server):
    process = store_server(api_listen="[::1]:0")

    assert re.fullmatch(r"http://\[::1\]:\d+", process.url)
    assert (process.data_dir / "api-endpoint").read_text() == process.url + "\n"
    assert process.api("GET", LOADBALANCERS).status_code == 200


def test_api_port_in_use_fails_start(store_server):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        process = store_server(start=False, api_port=port)

        code, output = process.start_expecting_failure()

    assert code == 1
    assert error_lines(output) == [
        f"cannot listen for the API on 127.0.0.1:{port}: Address already in use; choose another address or "
        "port with --api-listen, or turn the API off with --no-api"]


def test_sigterm_closes_api_port(store_server):
    process = store_server()
    port = process.api_ports[-1]

    code = process.stop()

    assert code == 0
    assert process.find_lines(rf"api closed address=http://127\.0\.0\.1:{port}$")
    assert process.find_lines(r"\bstopped$")
    assert connection_refused("127.0.0.1", port)


def test_token_absent_from_log_and_cmdline(store_server):
    process = store_server()
    token = process.token
    assert process.api("GET", LOADBALANCERS).status_code == 200
    assert process.api("GET", LOADBALANCERS, token="f" * 64).status_code == 401

    with open(f"/proc/{process.process.pid}/cmdline", "rb") as cmdline:
        arguments = cmdline.read()
    process.stop()

    assert token.encode() not in arguments
    assert token not in process.log_text()


def test_sighup_reloads_from_store(store_server):
    process = store_server()

    outcome = process.reload()

    assert outcome.succeeded, outcome.lines
    assert outcome.generation == 2
    assert any(line.endswith(f"reloading {process.data_dir / 'tollgate.db'}") for line in outcome.lines)


def test_data_dir_from_environment(store_server, tmp_path):
    data_dir = tmp_path / "from-env"
    process = store_server(data_dir=data_dir, data_dir_flag=False,
                             env={**os.environ, "TOLLGATE_DATA_DIR": str(data_dir)})

    assert mode(data_dir) == 0o700
    assert TOKEN_PATTERN.fullmatch((data_dir / "admin-token").read_text())
    assert process.api("GET", LOADBALANCERS).status_code == 200


def test_no_api_writes_no_token(store_server):
    process = store_server(api=False)

    assert (process.data_dir / "tollgate.db").is_file()
    assert not (process.data_dir / "admin-token").exists()
    assert not (process.data_dir / "api-endpoint").exists()
    assert not process.find_lines(r"api listening")


def test_data_dir_under_file_fails_start(store_server, tmp_path):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where a directory should be\n")
    process = store_server(start=False, data_dir=blocker / "data")

    code, output = process.start_expecting_failure()

    assert code == 1
    assert error_lines(output) == [f"cannot create data directory {blocker / 'data'}: Not a directory"]


def test_data_dir_without_parent_fails_start(store_server, tmp_path):
    process = store_server(start=False, data_dir=tmp_path / "missing" / "data")

    code, output = process.start_expecting_failure()

    assert code == 1
    assert error_lines(output) == [
        f"cannot create data directory {tmp_path / 'missing' / 'data'}: its parent {tmp_path / 'missing'} does "
        "not exist; create it first or choose another --data-dir"]


def test_second_server_on_one_data_dir_fails_start(store_server, tmp_path):
    first = store_server()
    second = store_server(start=False, data_dir=first.data_dir, workdir=tmp_path / "second")

    code, output = second.start_expecting_failure()

    assert code == 1
    assert error_lines(output) == [
        f"data directory {first.data_dir} is in use by another tollgate serve (pid {first.process.pid}); stop it "
        "or choose another --data-dir"]
    assert (first.data_dir / "api-endpoint").read_text() == first.url + "\n"


def test_sigterm_removes_api_endpoint(store_server):
    process = store_server()

    assert process.stop() == 0

    assert not (process.data_dir / "api-endpoint").exists()


def test_client_rejects_endpoint_of_killed_server(store_server):
    process = store_server()
    process.kill()
    endpoint_file = process.data_dir / "api-endpoint"
    assert endpoint_file.exists()

    completed = run_cli(process, "loadbalancer", "list")

    assert completed.returncode == 1
    assert completed.stderr == (
        f"error: {endpoint_file} is left from a tollgate serve that is no longer running (TOLLGATE_DATA_DIR); "
        "start `tollgate serve` with this data directory, or pass --api-url or set TOLLGATE_API_URL\n")


def test_token_with_group_permission_fails_start(store_server, tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    token_file = data_dir / "admin-token"
    token_file.write_text("a" * 64 + "\n")
    token_file.chmod(0o640)
    process = store_server(start=False, data_dir=data_dir)

    code, output = process.start_expecting_failure()

    assert code == 1
    assert error_lines(output) == [
        f"{token_file} has group or other permissions (mode 0640); run chmod 600 {token_file}"]


def create_http_listener(process, port):
    """Create a load balancer on 127.0.0.1 and an HTTP listener on `port`; return the listener response."""
    created = process.api("POST", LOADBALANCERS, {"loadbalancer": {"name": "lb", "vip_address": "127.0.0.1"}})
    assert created.status_code == 201, created.text
    loadbalancer_id = created.json()["loadbalancer"]["id"]
    return process.api("POST", LISTENERS, {"listener": {
        "name": "web", "loadbalancer_id": loadbalancer_id, "protocol": "HTTP", "protocol_port": port}})


def test_api_change_opens_listener(store_server):
    process = store_server()
    port = free_port()
    process.ports.append(port)

    response = create_http_listener(process, port)

    assert response.status_code == 201, response.text
    wait_accepting("127.0.0.1", port)
    assert process.find_lines(r"\bpublished generation=3 listeners=1$")


def test_restart_opens_stored_listener(store_server):
    process = store_server()
    port = free_port()
    process.ports.append(port)
    assert create_http_listener(process, port).status_code == 201

    process.restart()

    assert process.find_lines(r"\bready generation=1 listeners=1 ")
    wait_accepting("127.0.0.1", port)


def test_api_busy_port_gets_409(store_server):
    process = store_server()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        process.ports.append(port)

        response = create_http_listener(process, port)
        listed = process.api("GET", LISTENERS)

    assert response.status_code == 409, response.text
    assert response.json()["error_code"] == "ELB.8907"
    assert f"cannot listen on 127.0.0.1:{port}: Address already in use" in response.json()["error_msg"]
    assert listed.json()["listeners"] == []


def test_file_mode_runs_api(store_server, tmp_path):
    config = tmp_path / "lb.yaml"
    config.write_text(json.dumps({"loadbalancers": [{"id": "lb1", "vip_address": "127.0.0.1"}]}))
    process = store_server(extra_arguments=["--config", str(config)])

    versions = process.api("GET", "/versions", token=None)
    listed = process.api("GET", LOADBALANCERS)

    assert versions.status_code == 200
    assert listed.status_code == 200, listed.text
    assert mode(process.data_dir / "admin-token") == 0o600
    assert (process.data_dir / "api-endpoint").read_text() == process.url + "\n"
    assert process.reload().succeeded
    wait_until(lambda: process.api("GET", "/versions", token=None).status_code == 200,
               "the API to respond after the reload")


def test_file_mode_rejects_changes(store_server, tmp_path):
    config = tmp_path / "lb.yaml"
    config.write_text(json.dumps({"loadbalancers": [{"id": "lb1", "vip_address": "127.0.0.1"}]}))
    process = store_server(extra_arguments=["--config", str(config)])

    response = process.api("POST", LOADBALANCERS, {"loadbalancer": {"name": "lb", "vip_address": "127.0.0.1"}})

    assert response.status_code == 403
    assert response.json()["error_code"] == "ELB.8902"
    assert response.json()["error_msg"] == (
        f"The API is read-only: the configuration comes from {config}; edit the file and send SIGHUP.")


def test_failed_reload_closes_new_ports(tollgate, tmp_path):
    """A reload that fails on a busy port closes the ports it opened for other new listeners."""
    port_a, port_b = free_port(), free_port()
    members = [member(free_port())]
    process = tollgate(config_text([listener(port_a, "a")], members), [port_a])
    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    port_c = holder.getsockname()[1]
    process.ports += [port_b, port_c]
    try:
        # Listener b comes before c, so its sockets are open when c fails.
        process.write_config(config_text([listener(port_a, "a"), listener(port_b, "b"), listener(port_c, "c")],
                                         members))
        failed = process.reload()
        b_listening_after_failure = port_b in listening_ports()
    finally:
        holder.close()
    restored = process.reload()

    assert not failed.succeeded
    assert failed.generation == 1
    assert any(f"config error: listeners[c]: cannot listen on 127.0.0.1:{port_c}: Address already in use" in line
               for line in failed.lines), failed.lines
    assert not b_listening_after_failure
    assert restored.succeeded, restored.lines
    assert port_b in listening_ports()


def test_vip_address_moves_between_any_and_one_address(store_server, start_backend):
    backend = start_backend("moved")
    process = store_server()
    port = free_port()
    process.ports.append(port)
    loadbalancer = create(process, "loadbalancers", "loadbalancer", {"vip_address": "127.0.0.1"})
    listener = create(process, "listeners", "listener",
                      {"loadbalancer_id": loadbalancer, "protocol": "HTTP", "protocol_port": port})
    pool = create(process, "pools", "pool", {"lb_algorithm": "ROUND_ROBIN", "protocol": "HTTP", "listener_id": listener})
    create(process, f"pools/{pool}/members", "member", {"address": "127.0.0.1", "protocol_port": backend.port})
    assert echo(port, None, scheme="http").status_code == 200

    for vip_address in (None, "127.0.0.1"):
        moved = elb(process, "PUT", f"/loadbalancers/{loadbalancer}", {"loadbalancer": {"vip_address": vip_address}})
        assert moved.status_code == 200, moved.text
        assert echo(port, None, scheme="http").status_code == 200
