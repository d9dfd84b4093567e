"""The read-only API of file mode.

With --config, the API shows the file's resources under their file ids in project
`default`, follows a SIGHUP reload, and rejects every change with 403. The copy it reads
lives apart from the store of store mode, so resources stored in the same data directory
survive a run in file mode.
"""

from support.config import member, mtls_config
from support.elb import create, elb
from support.ports import free_port


def file_mode_server(store_server, tmp_path, guide, port, members, data_dir):
    config_path = tmp_path / "lb.yaml"
    config_path.write_text(mtls_config(guide.root, port, members))
    server = store_server(data_dir=data_dir, extra_arguments=["--config", str(config_path)])
    server.ports.append(port)
    return server, config_path


def test_file_mode_shows_the_file(store_server, start_backend, guide_sha256, tmp_path):
    first, second = start_backend("first"), start_backend("second")
    port = free_port()
    server, config_path = file_mode_server(store_server, tmp_path, guide_sha256, port, [member(first.port)],
                                           tmp_path / "data")

    listener = elb(server, "GET", "/listeners/web")
    assert listener.status_code == 200, listener.text
    shown = listener.json()["listener"]
    assert shown["protocol"] == "HTTPS"
    assert shown["protocol_port"] == port
    assert shown["default_tls_container_ref"] == "srv"
    assert shown["client_ca_tls_container_ref"] == "ca"
    assert shown["default_pool_id"] == "app"

    certificates = elb(server, "GET", "/certificates").json()["certificates"]
    assert {certificate["id"]: certificate["private_key"] for certificate in certificates} == {
        "srv": "******", "ca": ""}
    members = elb(server, "GET", "/pools/app/members").json()["members"]
    assert [entry["protocol_port"] for entry in members] == [first.port]

    config_path.write_text(mtls_config(guide_sha256.root, port, [member(first.port), member(second.port)]))
    reloaded = server.reload()
    assert reloaded.succeeded, reloaded.lines
    members = elb(server, "GET", "/pools/app/members").json()["members"]
    assert sorted(entry["protocol_port"] for entry in members) == sorted([first.port, second.port])


def test_file_mode_rejects_changes(store_server, start_backend, guide_sha256, tmp_path):
    backend = start_backend("only")
    port = free_port()
    server, config_path = file_mode_server(store_server, tmp_path, guide_sha256, port, [member(backend.port)],
                                           tmp_path / "data")

    response = elb(server, "POST", "/loadbalancers", {"loadbalancer": {"vip_address": "127.0.0.1"}})
    assert response.status_code == 403
    assert response.json()["error_msg"] == (
        f"The API is read-only: the configuration comes from {config_path.resolve()}; "
        "edit the file and send SIGHUP.")
    deleted = elb(server, "DELETE", "/listeners/web")
    assert deleted.status_code == 403
    assert elb(server, "GET", "/listeners/web").status_code == 200


def test_file_mode_keeps_the_stored_configuration(store_server, start_backend, guide_sha256, tmp_path):
    backend = start_backend("kept")
    data_dir = tmp_path / "shared-data"
    stored = store_server(data_dir=data_dir)
    loadbalancer = create(stored, "loadbalancers", "loadbalancer", {"name": "stored", "vip_address": "127.0.0.1"})
    assert stored.stop() == 0

    port = free_port()
    file_server, _ = file_mode_server(store_server, tmp_path, guide_sha256, port, [member(backend.port)], data_dir)
    assert [entry["id"] for entry in elb(file_server, "GET", "/loadbalancers").json()["loadbalancers"]] == ["lb1"]
    assert file_server.stop() == 0

    stored.start()
    assert [entry["id"] for entry in elb(stored, "GET", "/loadbalancers").json()["loadbalancers"]] == [loadbalancer]
