"""The `tollgate` client commands against a running `tollgate serve` in store mode.

The mutual authentication guide runs through the command line alone. The test uploads the
server certificate with its key and the CA certificate, and creates a load balancer, a pool
with one backend and an HTTPS listener with mandatory client authentication. Then curl sends
requests through the listener. A request with the client certificate reaches the backend,
and one without it fails in the TLS handshake.

The other tests cover what a user meets on the way: the table and JSON output, names in
place of ids, updates, deletes, the messages of API errors, unknown names, a server that is
not running and a wrong token, and the exit codes: 0, 1 for a failed call, 2 for invalid
input, and CLI11's codes (106 for a missing required flag) for command-line errors.

The client finds the API through TOLLGATE_DATA_DIR, whose api-endpoint and admin-token files
the server writes.
"""

import json
import re

from support.cli import run_cli, run_ok
from support.clients import curl
from support.ports import free_port, wait_accepting

_REQUEST_ID = r"[0-9a-f]{32}"


def show_json(server, *arguments):
    return json.loads(run_ok(server, *arguments, "-o", "json").stdout)


def table_rows(text):
    """Split table output into rows of cells, which two or more spaces separate."""
    return [re.split(r"\s{2,}", line) for line in text.splitlines()]


def set_up_guide(server, guide, backend_port, listener_port):
    """Run the guide's console steps as commands and return the listener as the API shows it."""
    created = run_ok(server, "certificate", "create", "--name", "server-cert", "--type", "server",
                     "--certificate", guide.server_cert, "--private-key", guide.server_key)
    # The guide's server certificate has no subjectAltName, which the API warns about.
    assert any(line.startswith("warning: ") for line in created.stderr.splitlines()), created.stderr
    run_ok(server, "certificate", "create", "--name", "ca-cert", "--type", "client", "--certificate", guide.ca_cert)
    run_ok(server, "loadbalancer", "create", "--name", "edge", "--vip-address", "127.0.0.1")
    run_ok(server, "pool", "create", "--name", "app", "--lb-algorithm", "ROUND_ROBIN", "--protocol", "HTTP")
    run_ok(server, "member", "add", "--pool", "app", "--address", "127.0.0.1", "--protocol-port", backend_port)
    server.ports.append(listener_port)
    return show_json(server, "listener", "create", "--name", "web", "--loadbalancer", "edge", "--protocol", "HTTPS",
                     "--port", listener_port, "--server-certificate", "server-cert", "--client-ca", "ca-cert",
                     "--client-authentication", "mandatory", "--default-pool", "app",
                     "--insert-header", "X-Forwarded-Clientcert-subjectdn-enable=true",
                     "--insert-header", "X-Forwarded-Clientcert-clientverify-enable=true")


def test_guide_through_cli(server, guide_sha256, start_backend):
    backend = start_backend("app-1")
    port = free_port()
    listener = set_up_guide(server, guide_sha256, backend.port, port)
    certificates = {row["name"]: row["id"] for row in show_json(server, "certificate", "list")}
    assert listener["default_tls_container_ref"] == certificates["server-cert"]
    assert listener["client_ca_tls_container_ref"] == certificates["ca-cert"]
    assert listener["client_authentication"] == "mandatory"
    wait_accepting("127.0.0.1", port)

    url = f"https://127.0.0.1:{port}/echo"
    with_certificate = curl(url, cert=guide_sha256.client.cert, key=guide_sha256.client.key)
    assert with_certificate.status == 200, with_certificate.stderr
    assert with_certificate.header("X-Backend-Name") == "app-1"
    headers = dict((name.lower(), value) for name, value in backend.last_headers())
    assert headers["x-forwarded-clientcert-subjectdn"] == guide_sha256.client.subject
    assert headers["x-forwarded-clientcert-clientverify"] == "SUCCESS"

    received = len(backend.requests())
    without_certificate = curl(url)
    assert without_certificate.status == 0
    assert without_certificate.exit_code != 0
    assert len(backend.requests()) == received


def test_list_prints_a_table(server, guide_sha256):
    set_up_guide(server, guide_sha256, free_port(), free_port())
    rows = table_rows(run_ok(server, "listener", "list").stdout)
    assert rows[0] == ["ID", "NAME", "PROTOCOL", "PROTOCOL_PORT", "LOADBALANCER", "DEFAULT_POOL",
                       "CLIENT_AUTHENTICATION"]
    assert len(rows) == 2
    listener = show_json(server, "listener", "show", "web")
    loadbalancer = show_json(server, "loadbalancer", "show", "edge")
    assert rows[1] == [listener["id"], "web", "HTTPS", str(listener["protocol_port"]), loadbalancer["id"],
                       listener["default_pool_id"], "mandatory"]


def test_show_accepts_name_or_id(server):
    created = show_json(server, "loadbalancer", "create", "--name", "edge", "--vip-address", "127.0.0.1")
    by_name = show_json(server, "loadbalancer", "show", "edge")
    by_id = show_json(server, "loadbalancer", "show", created["id"])
    assert by_name == by_id
    assert by_name["vip_address"] == "127.0.0.1"

    rows = dict(row for row in table_rows(run_ok(server, "loadbalancer", "show", "edge").stdout) if len(row) == 2)
    assert rows["FIELD"] == "VALUE"
    assert rows["id"] == created["id"]
    assert rows["vip_address"] == "127.0.0.1"


def test_update_and_delete_by_name(server):
    run_ok(server, "pool", "create", "--name", "app", "--lb-algorithm", "ROUND_ROBIN", "--protocol", "HTTP")
    updated = show_json(server, "pool", "update", "app", "--lb-algorithm", "LEAST_CONNECTIONS", "--name", "app-2")
    assert updated["lb_algorithm"] == "LEAST_CONNECTIONS"
    assert updated["name"] == "app-2"

    member = show_json(server, "member", "add", "--pool", "app-2", "--address", "::1", "--protocol-port", "9002")
    weighted = show_json(server, "member", "update", "--pool", "app-2", "[::1]:9002", "--weight", "5")
    assert weighted["weight"] == 5
    removed = run_ok(server, "member", "remove", "--pool", "app-2", "[::1]:9002")
    assert removed.stdout == f"deleted member [::1]:9002 (id {member['id']})\n"
    assert show_json(server, "member", "list", "--pool", "app-2") == []

    deleted = run_ok(server, "pool", "delete", "app-2")
    assert deleted.stdout == f"deleted pool app-2 (id {updated['id']})\n"
    assert show_json(server, "pool", "list") == []


def test_listener_update_merges_insert_headers(server):
    run_ok(server, "loadbalancer", "create", "--name", "edge", "--vip-address", "127.0.0.1")
    port = free_port()
    server.ports.append(port)
    run_ok(server, "listener", "create", "--name", "plain", "--loadbalancer", "edge", "--protocol", "HTTP",
           "--port", port, "--insert-header", "X-Real-IP=true")
    updated = show_json(server, "listener", "update", "plain", "--insert-header", "X-Forwarded-Port=true",
                        "--client-timeout", "30")
    assert updated["insert_headers"]["X-Real-IP"] is True
    assert updated["insert_headers"]["X-Forwarded-Port"] is True
    assert updated["client_timeout"] == 30


def test_api_error_is_printed(server):
    completed = run_cli(server, "pool", "create", "--name", "app", "--lb-algorithm", "FASTEST", "--protocol", "HTTP")
    assert completed.returncode == 1
    assert completed.stdout == ""
    assert re.fullmatch(r"error: .*lb_algorithm.*FASTEST.* \(ELB\.8902, HTTP 400, request id "
                        + _REQUEST_ID + r"\)\n", completed.stderr), completed.stderr


def test_unknown_name_exits_1(server):
    completed = run_cli(server, "listener", "show", "missing")
    assert completed.returncode == 1
    assert completed.stderr == 'error: no listener has the id or name "missing"; `tollgate listener list` shows them\n'


def test_nothing_to_update_exits_2(server):
    completed = run_cli(server, "loadbalancer", "update", "edge")
    assert completed.returncode == 2
    assert completed.stderr == ("error: nothing to update: give at least one of --name, --description, "
                                "--vip-address\n")


def test_unreadable_certificate_file_exits_2(server, tmp_path):
    missing = tmp_path / "missing.crt"
    completed = run_cli(server, "certificate", "create", "--name", "c", "--type", "client", "--certificate", missing)
    assert completed.returncode == 2
    assert completed.stderr == f"error: cannot read --certificate file {missing}: No such file or directory\n"


def test_missing_required_flag_is_a_usage_error(server):
    completed = run_cli(server, "listener", "create", "--name", "web", "--protocol", "HTTP", "--port", "8080")
    assert completed.returncode == 106
    assert "--loadbalancer is required" in completed.stderr


def test_server_not_running(tmp_path):
    port = free_port()
    completed = run_cli(None, "listener", "list", env={"TOLLGATE_API_URL": f"http://127.0.0.1:{port}",
                                                        "TOLLGATE_TOKEN": "x"})
    assert completed.returncode == 1
    assert completed.stderr == (f"error: cannot reach the API at http://127.0.0.1:{port}: connection refused; "
                                "is `tollgate serve` running?\n")


def test_missing_data_dir_names_the_fixes(tmp_path):
    data_dir = tmp_path / "nowhere"
    completed = run_cli(None, "pool", "list", "--data-dir", data_dir)
    assert completed.returncode == 1
    assert completed.stderr == (f"error: cannot read {data_dir}/api-endpoint: No such file or directory "
                                "(--data-dir); start `tollgate serve` with this data directory, pass --data-dir, "
                                "pass --api-url or set TOLLGATE_API_URL\n")


def test_wrong_token_is_rejected(server, tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text("0" * 64 + "\n")
    completed = run_cli(server, "pool", "list", "--token-file", token_file)
    assert completed.returncode == 1
    assert completed.stderr.startswith("error: ")
    assert re.search(r"\(ELB\.1103, HTTP 401, request id " + _REQUEST_ID + r"\); the token does not match the "
                     r"admin-token file of the running server\n$", completed.stderr), completed.stderr

    from_environment = run_cli(server, "pool", "list", env={"TOLLGATE_TOKEN": server.token})
    assert from_environment.returncode == 0, from_environment.stderr


def test_project_separates_resources(server):
    run_ok(server, "loadbalancer", "create", "--name", "edge", "--project", "team-a")
    assert [row["name"] for row in show_json(server, "loadbalancer", "list", "--project", "team-a")] == ["edge"]
    assert show_json(server, "loadbalancer", "list") == []
    from_environment = run_cli(server, "loadbalancer", "list", "-o", "json", env={"TOLLGATE_PROJECT": "team-a"})
    assert [row["name"] for row in json.loads(from_environment.stdout)] == ["edge"]
