"""Fixtures shared by the end-to-end tests: certificates, backends and tollgate processes."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from support.backend import Backend  # noqa: E402
from support.certs import make_defective_certificates, make_guide_certificates  # noqa: E402
from support.ports import assert_not_listening  # noqa: E402
from support.tollgate import Tollgate, TollgateStore  # noqa: E402

_LOG_TAIL_LINES = 60


@pytest.fixture(scope="session")
def certs_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("certs")


@pytest.fixture(scope="session")
def guide_sha256(certs_dir):
    """The guide's certificates, made by its commands with -sha256 in place of -sha1."""
    return make_guide_certificates(certs_dir, "sha256")


@pytest.fixture(scope="session")
def guide_sha1(certs_dir):
    """The guide's certificates, made by its commands exactly as written (-sha1)."""
    return make_guide_certificates(certs_dir, "sha1")


@pytest.fixture(scope="session")
def defective(certs_dir, guide_sha256):
    """Client certificates that a listener trusting the -sha256 guide CA must reject."""
    return make_defective_certificates(certs_dir, guide_sha256)


@pytest.fixture
def start_backend(tmp_path):
    """Return a function that starts a backend process named `name` and returns its handle.

    Every backend is stopped by its PID after the test, and its port must be free then.
    """
    started = []

    def start(name):
        backend = Backend(name, tmp_path)
        started.append(backend)
        return backend

    yield start
    for backend in started:
        backend.stop()
    assert_not_listening([backend.port for backend in started])


def stop_processes(instances, ports):
    """Stop each tollgate process by its PID, print its log tail, and check that its ports are free.

    `ports(instance)` returns the ports of one process that must not listen afterwards. Every
    process is stopped, and killed if SIGTERM fails, before a failed stop is reported.
    """
    errors = []
    for instance in instances:
        try:
            instance.stop()
        except AssertionError as error:
            errors.append(str(error))
        finally:
            instance.kill()
            # Shown by pytest only when the test failed.
            tail = instance.log_lines()[-_LOG_TAIL_LINES:]
            print(f"--- last {len(tail)} lines of {instance.log_path}", *tail, sep="\n")
    assert not errors, errors
    assert_not_listening([port for instance in instances for port in ports(instance)])


@pytest.fixture
def tollgate(tmp_path):
    """Return a function that writes a configuration and starts tollgate with it.

    `tollgate(config, ports, workers=2, start=True, workdir=None)` returns the Tollgate
    handle; with start=False the process is not started, for start_expecting_failure().
    `workdir` is the folder of the configuration file, a fresh one by default. Each process
    is stopped by its PID after the test, and none of its listener ports may listen then.
    """
    created = []

    def create(config, ports, workers=2, start=True, extra_arguments=(), env=None, workdir=None):
        instance = Tollgate(workdir or tmp_path / f"tollgate-{len(created)}", config, ports, workers,
                            extra_arguments, env)
        created.append(instance)
        if start:
            instance.start()
        return instance

    yield create
    stop_processes(created, lambda instance: instance.ports)


@pytest.fixture
def store_server(tmp_path):
    """Return a function that creates tollgate in store mode with a fresh data directory.

    `store_server(start=True, **arguments)` passes `arguments` to TollgateStore and returns
    the process, started unless start=False (for start_expecting_failure()). Tests append the
    listener ports they create to its `ports` list. Each process is stopped by its PID after
    the test, and neither its API ports nor those listener ports may listen then.
    """
    created = []

    def create(start=True, **arguments):
        arguments.setdefault("workdir", tmp_path / f"tollgate-store-{len(created)}")
        arguments.setdefault("workers", 2)
        instance = TollgateStore(**arguments)
        instance.ports = []
        created.append(instance)
        if start:
            instance.start()
        return instance

    yield create
    stop_processes(created, lambda instance: [*instance.api_ports, *instance.ports])


@pytest.fixture
def server(store_server):
    """A started store-mode tollgate. Tests append the listener ports they open to `ports`.

    After the test, the process must exit with code 0 on SIGTERM, and store_server then
    checks that neither its API port nor those listener ports listen.
    """
    instance = store_server()
    yield instance
    code = instance.stop()
    assert code == 0, f"tollgate exited with code {code} on SIGTERM"
