"""`tollgate apply -f FILE` against a running `tollgate serve` in store mode.

apply makes the stored resources of a project match a configuration file in the format of
`serve --config`, matched by name. The file here is the guide's mutual TLS set-up: the
server and CA certificates, a load balancer, an HTTPS listener with mandatory client
authentication, and a pool with one backend. After the first run curl reaches the backend
with the client certificate. A second run changes nothing and prints "no changes". A changed
field is updated alone. --prune deletes what the file does not name, and --dry-run changes
nothing. An invalid file gives the loader's exact error with exit code 2 before any call.
An API error stops the run with the API's message and exit code 1.
"""

import json
import re
import socket

from support.cli import run_cli, run_ok
from support.clients import curl
from support.ports import free_port, wait_accepting

_ID = r"[0-9a-f-]{32,36}"


def names(server, kind):
    completed = run_ok(server, kind, "list", "-o", "json")
    return sorted(row["name"] for row in json.loads(completed.stdout))


def guide_file(folder, guide, listener_port, backend_port, client_timeout=30):
    """Write the guide's set-up as a configuration file in `folder` and return its path."""
    path = folder / "lb.yaml"
    path.write_text(f"""certificates:
  - {{id: srv, type: server, certificate_file: {guide.server_cert}, private_key_file: {guide.server_key}}}
  - {{id: ca, type: client, certificate_file: {guide.ca_cert}}}
loadbalancers:
  - {{id: lb1, name: edge, vip_address: 127.0.0.1}}
listeners:
  - id: web
    loadbalancer_id: lb1
    protocol: HTTPS
    protocol_port: {listener_port}
    default_tls_container_ref: srv
    client_ca_tls_container_ref: ca
    client_authentication: mandatory
    client_timeout: {client_timeout}
    insert_headers: {{X-Forwarded-Clientcert-subjectdn-enable: true}}
pools:
  - id: app
    lb_algorithm: ROUND_ROBIN
    protocol: HTTP
    listener_id: web
    members:
      - {{address: 127.0.0.1, protocol_port: {backend_port}}}
""")
    return path


def change_lines(stdout):
    return [line for line in stdout.splitlines() if line.split(" ", 1)[0] in ("created", "updated", "deleted")]


def test_apply_twice_changes_nothing(server, guide_sha256, start_backend, tmp_path):
    backend = start_backend("app-1")
    port = free_port()
    server.ports.append(port)
    path = guide_file(tmp_path, guide_sha256, port, backend.port)

    first = run_cli(server, "apply", "-f", path)
    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    expected = ["certificate srv", "certificate ca", "loadbalancer edge", "pool app", "listener web",
                f"member 127.0.0.1:{backend.port} in pool app"]
    assert len(lines) == len(expected) + 1, first.stdout
    for line, subject in zip(lines, expected):
        assert re.fullmatch(f"created {re.escape(subject)} \\(id {_ID}\\)", line), line
    assert lines[-1] == "applied: 6 created, 0 updated, 0 deleted, 0 unchanged"

    wait_accepting("127.0.0.1", port)
    response = curl(f"https://127.0.0.1:{port}/echo", cert=guide_sha256.client.cert, key=guide_sha256.client.key)
    assert response.status == 200, response.stderr
    assert response.header("X-Backend-Name") == "app-1"
    headers = dict((name.lower(), value) for name, value in backend.last_headers())
    assert headers["x-forwarded-clientcert-subjectdn"] == guide_sha256.client.subject
    assert curl(f"https://127.0.0.1:{port}/echo").status == 0

    second = run_cli(server, "apply", "-f", path)
    assert second.returncode == 0, second.stderr
    assert change_lines(second.stdout) == []
    assert second.stdout.splitlines()[-1] == "no changes; 6 unchanged"
    assert [line.split(" ", 1)[0] for line in second.stdout.splitlines()[:-1]] == ["unchanged"] * 6


def test_apply_updates_only_the_changed_field(server, guide_sha256, tmp_path):
    port = free_port()
    server.ports.append(port)
    assert run_cli(server, "apply", "-f", guide_file(tmp_path, guide_sha256, port, 9001)).returncode == 0

    changed = run_cli(server, "apply", "-f", guide_file(tmp_path, guide_sha256, port, 9001, client_timeout=45))
    assert changed.returncode == 0, changed.stderr
    assert change_lines(changed.stdout) == ["updated listener web: client_timeout"]
    assert changed.stdout.splitlines()[-1] == "applied: 0 created, 1 updated, 0 deleted, 5 unchanged"
    listener = json.loads(run_cli(server, "listener", "show", "web", "-o", "json").stdout)
    assert listener["client_timeout"] == 45


def test_apply_prune_deletes_unnamed(server, guide_sha256, tmp_path):
    port = free_port()
    server.ports.append(port)
    path = guide_file(tmp_path, guide_sha256, port, 9001)
    assert run_cli(server, "apply", "-f", path).returncode == 0
    spare = json.loads(run_cli(server, "loadbalancer", "create", "--name", "spare", "-o", "json").stdout)
    extra = run_cli(server, "member", "add", "--pool", "app", "--address", "127.0.0.2", "--protocol-port", "81")
    assert extra.returncode == 0, extra.stderr

    kept = run_cli(server, "apply", "-f", path)
    assert kept.returncode == 0, kept.stderr
    assert names(server, "loadbalancer") == ["edge", "spare"]

    planned = run_cli(server, "apply", "-f", path, "--prune", "--dry-run")
    assert planned.returncode == 0, planned.stderr
    assert planned.stdout.splitlines()[-1] == ("dry run: 0 to create, 0 to update, 2 to delete, 6 unchanged; "
                                               "nothing was changed")
    assert names(server, "loadbalancer") == ["edge", "spare"]

    pruned = run_cli(server, "apply", "-f", path, "--prune")
    assert pruned.returncode == 0, pruned.stderr
    deletions = change_lines(pruned.stdout)
    assert len(deletions) == 2, pruned.stdout
    assert re.fullmatch(f"deleted member 127.0.0.2:81 in pool app \\(id {_ID}\\)", deletions[0]), deletions[0]
    assert deletions[1] == f"deleted loadbalancer spare (id {spare['id']})"
    assert names(server, "loadbalancer") == ["edge"]

    again = run_cli(server, "apply", "-f", path, "--prune")
    assert again.stdout.splitlines()[-1] == "no changes; 6 unchanged"


def test_apply_dry_run_changes_nothing(server, guide_sha256, tmp_path):
    port = free_port()
    path = guide_file(tmp_path, guide_sha256, port, 9001)
    planned = run_cli(server, "apply", "-f", path, "--dry-run")
    assert planned.returncode == 0, planned.stderr
    assert planned.stdout.splitlines()[:2] == ["would create certificate srv", "would create certificate ca"]
    assert planned.stdout.splitlines()[-1] == ("dry run: 6 to create, 0 to update, 0 to delete, 0 unchanged; "
                                               "nothing was changed")
    assert names(server, "certificate") == []


def test_apply_bad_file_gives_loader_error(server, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("loadbalancers:\n  - {id: lb1, vip_adress: 127.0.0.1}\n")
    completed = run_cli(server, "apply", "-f", path)
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert completed.stderr == 'error: loadbalancers[lb1].vip_adress: unknown field: did you mean "vip_address"?\n'
    assert names(server, "loadbalancer") == []


def test_apply_missing_file(server, tmp_path):
    path = tmp_path / "missing.yaml"
    completed = run_cli(server, "apply", "-f", path)
    assert completed.returncode == 2
    assert completed.stderr.startswith("error: ")
    assert str(path) in completed.stderr


def test_apply_api_error_stops_the_run(server, guide_sha256, tmp_path):
    # Another process listens on the listener's port, so the API rejects the listener.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        completed = run_cli(server, "apply", "-f", guide_file(tmp_path, guide_sha256, port, 9001))
    assert completed.returncode == 1
    assert completed.stdout.splitlines()[-1].startswith("created pool app (id "), completed.stdout
    error, stopped = completed.stderr.splitlines()[-2:]
    assert re.fullmatch(r"error: cannot create listener web: .*\(ELB\.\d{4}, HTTP 409, request id [0-9a-f]{32}\)",
                        error), error
    assert stopped == "apply stopped; the 4 changes before this error stay applied"
    assert names(server, "listener") == []
    assert names(server, "pool") == ["app"]
