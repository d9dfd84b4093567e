"""Configuration and start-up of the backend and of the three proxies under test.

Every file a server reads or writes (configuration, PID file, logs, temporary files) is inside
the run's temporary directory. The packaged services and their configuration stay untouched."""

import datetime
import grp
import os
import pwd
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from harness.certs import Certificates
from harness.processes import ServerProcess, free_port, start_server

NGINX = "/usr/sbin/nginx"
HAPROXY = "/usr/sbin/haproxy"
BACKEND_HEADER = ("X-Backend", "bench")
BACKEND_BODY = "bench backend\\n"
PROXY_CPU = 0
GENERATOR_CPU = 1

# NGINX closes a connection after 1000 requests by default, and HAProxy and tollgate set no
# such limit. Both NGINX instances get a high one, so no measurement pays for reconnects that
# one proxy makes and another does not.
KEEPALIVE_REQUESTS = 1_000_000

# File name of a proxy's access log inside its folder of the run, with --access-log.
ACCESS_LOG_NAME = "access.log"


def _nginx_preamble(prefix: Path) -> str:
    # The `user` directive is only valid for a root master. It keeps the worker under the same
    # account as the other servers of the run instead of the compiled-in `nobody`.
    user = ""
    if os.geteuid() == 0:
        user = f"user {pwd.getpwuid(0).pw_name} {grp.getgrgid(0).gr_name};\n"
    return f"""\
{user}worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
"""


def _nginx_http_paths(prefix: Path, access_log: Path | None = None) -> str:
    # Without `buffer=`, NGINX writes each line with its own write() when the request ends.
    # That is the default of `access_log FILE combined;`, and it is kept here on purpose.
    logging = f"access_log {access_log} combined;" if access_log else "access_log off;"
    return f"""\
    {logging}
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
"""


def _start_nginx(name: str, prefix: Path, config: str, cpu: int, port: int) -> ServerProcess:
    prefix.mkdir(parents=True, exist_ok=True)
    config_path = prefix / "nginx.conf"
    config_path.write_text(config)
    argv = [NGINX, "-p", f"{prefix}/", "-c", str(config_path), "-e", str(prefix / "error.log"),
            "-g", "daemon off;"]
    return start_server(name, argv, cpu, prefix / "output.log", port)


def start_backend(workdir: Path) -> ServerProcess:
    """Start the NGINX backend on CPU 1. It returns 200 with a fixed body and the X-Backend
    header for every request."""
    prefix = workdir / "backend"
    port = free_port()
    name, value = BACKEND_HEADER
    config = _nginx_preamble(prefix) + f"""\
http {{
{_nginx_http_paths(prefix)}
    keepalive_requests {KEEPALIVE_REQUESTS};
    keepalive_timeout 300s;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            default_type text/plain;
            add_header {name} {value};
            return 200 "{BACKEND_BODY}";
        }}
    }}
}}
"""
    return _start_nginx("backend", prefix, config, GENERATOR_CPU, port)


def start_nginx_proxy(workdir: Path, certs: Certificates, backend_port: int,
                      access_log: bool = False) -> ServerProcess:
    prefix = workdir / "nginx"
    port = free_port()
    config = _nginx_preamble(prefix) + f"""\
http {{
{_nginx_http_paths(prefix, prefix / ACCESS_LOG_NAME if access_log else None)}
    keepalive_requests {KEEPALIVE_REQUESTS};
    keepalive_timeout 60s;
    upstream app {{
        server 127.0.0.1:{backend_port};
        keepalive 64;
        keepalive_requests {KEEPALIVE_REQUESTS};
        keepalive_timeout 60s;
    }}
    server {{
        listen 127.0.0.1:{port} ssl;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_certificate {certs.server_cert};
        ssl_certificate_key {certs.server_key};
        ssl_client_certificate {certs.ca_cert};
        ssl_verify_client on;
        location / {{
            proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Host $http_host;
            proxy_set_header X-Forwarded-Clientcert-subjectdn $ssl_client_s_dn;
        }}
    }}
}}
"""
    return _start_nginx("nginx", prefix, config, PROXY_CPU, port)


def start_haproxy(workdir: Path, certs: Certificates, backend_port: int,
                  access_log: bool = False) -> ServerProcess:
    directory = workdir / "haproxy"
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    # HAProxy 2.6 cannot write a log file itself. With `log stdout` it writes each line with
    # its own write() to standard output, and the harness sends that to the access log file.
    # Warnings go to standard error and stay in output.log. Debian's packaged haproxy.cfg sets
    # `option httplog` and `option dontlognull` too. dontlognull leaves out connections that
    # close before sending anything, such as the harness's probe whether the port listens. A
    # failed handshake is still logged as a line of its own.
    global_logging = "    log stdout format raw local0\n" if access_log else ""
    defaults_logging = "    log global\n    option httplog\n    option dontlognull\n" if access_log else ""
    # `http-reuse always` lets the first request of a client connection use an idle backend
    # connection too. The default `safe` opens a new backend connection for it, which would
    # cost HAProxy a backend connect per handshake that the other proxies do not make.
    config = f"""\
global
    nbthread 1
    maxconn 8000
{global_logging}
defaults
    mode http
{defaults_logging}    timeout connect 5s
    timeout client 60s
    timeout server 60s
    timeout http-keep-alive 60s
    http-reuse always

frontend mtls
    bind 127.0.0.1:{port} ssl crt {certs.server_pem} ca-file {certs.ca_cert} verify required
    option forwardfor
    http-request set-header X-Forwarded-Host %[req.hdr(host)]
    http-request set-header X-Forwarded-Clientcert-subjectdn %[ssl_c_s_dn(,0,rfc2253)]
    default_backend app

backend app
    server app1 127.0.0.1:{backend_port}
"""
    config_path = directory / "haproxy.cfg"
    config_path.write_text(config)
    argv = [HAPROXY, "-f", str(config_path), "-db", "-p", str(directory / "haproxy.pid")]
    return start_server("haproxy", argv, PROXY_CPU, directory / "output.log", port,
                        stdout_path=directory / ACCESS_LOG_NAME if access_log else None)


def start_tollgate(binary: Path, workdir: Path, certs: Certificates, backend_port: int,
                   access_log: bool = False) -> ServerProcess:
    directory = workdir / "tollgate"
    directory.mkdir(parents=True, exist_ok=True)
    port = free_port()
    # Paths in the file are relative to its folder. X-Forwarded-For and X-Forwarded-Host are
    # on by default, as in the other two configurations.
    config = f"""\
certificates:
  - {{id: srv, type: server, certificate_file: ../pki/{certs.server_cert.name}, private_key_file: ../pki/{certs.server_key.name}}}
  - {{id: ca, type: client, certificate_file: ../pki/{certs.ca_cert.name}}}
loadbalancers:
  - {{id: lb1, vip_address: 127.0.0.1}}
listeners:
  - id: web
    loadbalancer_id: lb1
    protocol: HTTPS
    protocol_port: {port}
    default_tls_container_ref: srv
    client_ca_tls_container_ref: ca
    client_authentication: mandatory
    default_pool_id: app
    insert_headers: {{X-Forwarded-Clientcert-subjectdn-enable: true}}
pools:
  - id: app
    lb_algorithm: ROUND_ROBIN
    protocol: HTTP
    members: [{{address: 127.0.0.1, protocol_port: {backend_port}, weight: 1}}]
"""
    config_path = directory / "tollgate.yaml"
    config_path.write_text(config)
    # Log level warn keeps informational lines out of output.log; the warning about dropped
    # access log lines is still written.
    argv = [str(binary), "serve", "--config", str(config_path), "--no-api", "--workers", "1", "--log-level", "warn"]
    if access_log:
        argv += ["--access-log", str(directory / ACCESS_LOG_NAME), "--access-log-format", "json"]
    return start_server("tollgate", argv, PROXY_CPU, directory / "output.log", port)


@dataclass
class ProxyKind:
    key: str    # name on the command line and in the results file
    label: str  # column heading
    start: Callable[[Path, Certificates, int, bool], ServerProcess]  # the bool turns the access log on
    # Whether the access log has a line for each rejected TLS handshake. HAProxy writes one,
    # and tollgate and NGINX do not. NGINX completes the handshake without a client
    # certificate and responds with 400, which is a response and gets a line.
    logs_rejected_handshakes: bool = False

    def access_log_path(self, workdir: Path) -> Path:
        return workdir / self.key / ACCESS_LOG_NAME


def proxy_kinds(tollgate_binary: Path) -> dict[str, ProxyKind]:
    return {
        "tollgate": ProxyKind("tollgate", "tollgate",
                              lambda workdir, certs, port, access_log:
                              start_tollgate(tollgate_binary, workdir, certs, port, access_log)),
        "haproxy": ProxyKind("haproxy", "HAProxy", start_haproxy, logs_rejected_handshakes=True),
        "nginx": ProxyKind("nginx", "NGINX", start_nginx_proxy),
    }


def _first_line(argv: list[str]) -> str:
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"unavailable ({error})"
    output = (result.stdout or result.stderr).strip()
    return output.splitlines()[0] if output else "unavailable"


def _tollgate_version(repo: Path, binary: Path) -> str:
    """Describe the tollgate build. The binary records no commit, so this is the checkout's
    HEAD at run time together with the binary's modification time."""
    commit = _first_line(["git", "-C", str(repo), "rev-parse", "--short=12", "HEAD"])
    modified = subprocess.run(["git", "-C", str(repo), "diff", "--quiet", "HEAD", "--", "src"]).returncode != 0
    built = datetime.datetime.fromtimestamp(binary.stat().st_mtime, datetime.timezone.utc)
    return (f"checkout at {commit}{' with uncommitted changes under src/' if modified else ''}, "
            f"binary built {built:%Y-%m-%dT%H:%MZ}")


def software_versions(repo: Path, tollgate_binary: Path | None) -> dict[str, str]:
    return {
        "tollgate": _tollgate_version(repo, tollgate_binary) if tollgate_binary else "not run",
        "haproxy": _first_line([HAPROXY, "-v"]),
        "nginx": _first_line([NGINX, "-v"]),
        "openssl": _first_line(["openssl", "version"]),
    }
