"""The web console in headless Chromium, and the guide's last step in a browser with a client certificate.

tollgate runs in store mode and serves the console at / on its API port. The tests sign in
with the admin token and use the console as a user does: they fill fields found by their
labels and press buttons found by their text. Each console action is an API call, so every
result is checked through the API afterwards. Screenshots of each page and of both browser
outcomes go to ARTIFACTS/console (see support/browser.py).
"""

import datetime
import re

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from support.browser import (NARROW_SIZE, Browser, checked_browser, create_nss_database, import_p12,
                             issue_loopback_server_certificate, trust_ca, write_auto_select_certificate)
from support.console import Console
from support.elb import PROJECT, create, echo, elb
from support.ports import free_port
from support.settings import TIMEOUT, wait_until

STATIC_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
              "form-action 'none'; base-uri 'none'; frame-ancestors 'none'")


@pytest.fixture
def browser(tmp_path):
    """One headless Chromium at 1280x800 with a fresh profile, quit after the test.

    After the test, the console's scripts must have logged no error.
    """
    with checked_browser(tmp_path / "browser") as instance:
        yield instance


@pytest.fixture
def console(server, browser):
    """The console of a fresh store-mode tollgate, signed in with its admin token."""
    page = Console(browser, server.url)
    page.sign_in(server.token, PROJECT)
    return page


def listed(server, collection):
    response = elb(server, "GET", f"/{collection}")
    assert response.status_code == 200, response.text
    return response.json()[collection]


def create_certificate(console, name, type_label, content, key=None):
    console.go("Certificates")
    console.open_dialog("Create Certificate", "Create Certificate")
    console.fill("Name", name)
    console.check(type_label)
    console.fill("Certificate content", content)
    if key is not None:
        console.fill("Private key", key)
    return console.submit()


def test_static_files_headers(server):
    session = requests.Session()
    session.trust_env = False
    index = session.get(f"{server.url}/", timeout=TIMEOUT)
    assert index.status_code == 200
    assert index.headers["Content-Type"] == "text/html; charset=utf-8"
    assert index.headers["Cache-Control"] == "no-cache"
    assert index.headers["Content-Security-Policy"] == STATIC_CSP
    assert index.headers["X-Content-Type-Options"] == "nosniff"
    assert index.headers["Referrer-Policy"] == "no-referrer"
    assert index.headers["X-Frame-Options"] == "DENY"
    # No inline script or style: every <script> has a src, and there is no <style> or style="".
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", index.text) == []
    assert "<style" not in index.text
    assert "style=" not in index.text

    script = session.get(f"{server.url}/console/js/app.js", timeout=TIMEOUT)
    assert script.status_code == 200
    assert script.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert script.headers["Content-Security-Policy"] == STATIC_CSP
    stylesheet = session.get(f"{server.url}/console/css/console.css", timeout=TIMEOUT)
    assert stylesheet.headers["Content-Type"] == "text/css; charset=utf-8"

    unchanged = session.get(f"{server.url}/console/js/app.js", headers={"If-None-Match": script.headers["ETag"]},
                            timeout=TIMEOUT)
    assert unchanged.status_code == 304
    assert unchanged.content == b""

    head = session.head(f"{server.url}/", timeout=TIMEOUT)
    assert head.status_code == 200
    assert head.headers["Content-Length"] == str(len(index.content))

    post = session.post(f"{server.url}/", timeout=TIMEOUT)
    assert post.status_code == 405
    assert post.headers["Allow"] == "GET, HEAD"
    assert post.json()["error_msg"] == "Method POST is not allowed on /. See the Allow header."

    missing = session.get(f"{server.url}/console/js/missing.js", timeout=TIMEOUT)
    assert missing.status_code == 404
    assert missing.json()["error_msg"] == "path /console/js/missing.js could not be found"


def test_guide_through_console(server, browser, start_backend, guide_sha256):
    backend = start_backend("console-guide")
    port = free_port()
    server.ports.append(port)
    console = Console(browser, server.url)

    console.open()
    console.wait_heading("Sign in")
    console.screenshot("sign-in")
    console.fill("Admin token", server.token)
    console.click("Sign in")
    console.wait_heading("Dashboard")
    assert server.token not in browser.driver.current_url
    wait_until(lambda: "No listeners yet." in console.main_text(), "the dashboard's empty state")
    console.screenshot("dashboard")

    # Certificates: the server certificate with its key, then the CA certificate, both pasted.
    assert create_certificate(console, "server", "Server certificate", guide_sha256.server_cert.read_text(),
                              guide_sha256.server_key.read_text())
    notice = console.wait_notice("Created certificate server.")
    server_certificate = next(c for c in listed(server, "certificates") if c["name"] == "server")
    # The guide's certificate is version 1 without subjectAltName; the API's warnings are listed.
    assert server_certificate["warnings"], server_certificate
    for warning in server_certificate["warnings"]:
        assert warning in notice

    console.open_dialog("Create Certificate", "Create Certificate")
    console.check("CA certificate")
    assert not console.field("Private key").is_displayed()
    console.fill("Name", "ca")
    console.fill("Certificate content", guide_sha256.ca_cert.read_text())
    assert console.submit()
    console.wait_notice("Created certificate ca.")
    console.screenshot("certificates")

    # Load balancer, then its HTTPS listener with mutual authentication.
    console.go("Load balancers")
    console.open_dialog("Create load balancer", "Create load balancer")
    console.fill("Name", "guide")
    console.fill("Address (vip_address)", "127.0.0.1")
    assert console.submit()
    console.wait_notice("Created load balancer guide.")
    console.screenshot("load-balancers")
    console.click("guide")
    console.wait_heading("Load balancer guide")

    console.open_dialog("Add Listener", "Add Listener")
    console.fill("Name", "https-mutual")
    console.choose("Frontend protocol", "HTTPS")
    console.fill("Frontend port", str(port))
    console.choose("Server certificate", "server")
    assert not console.field("CA certificate").is_displayed()
    console.check("Mutual authentication")
    console.choose("CA certificate", "ca")
    assert console.submit()
    console.wait_notice(f"Added listener https-mutual on port {port}.")
    assert "On ca (mandatory)" in console.main_text()
    console.screenshot("listeners")

    # Backend server group for the listener, and the backend server.
    console.go("Backend server groups")
    console.open_dialog("Create backend server group", "Create backend server group")
    console.fill("Name", "backends")
    console.choose("Load balancer", "guide")
    console.choose("Listener", "https-mutual")
    assert console.submit()
    console.wait_notice("Created backend server group backends.")
    console.screenshot("backend-server-groups")
    console.click("backends")
    console.wait_heading("Backend server group backends")
    console.open_dialog("Add backend server", "Add backend server")
    console.fill("IP address", "127.0.0.1")
    console.fill("Backend port", str(backend.port))
    assert console.submit()
    console.wait_notice(f"Added backend server 127.0.0.1:{backend.port}.")
    assert "NO_MONITOR" in console.main_text() or "ONLINE" in console.main_text()
    console.screenshot("backend-servers")

    # Everything exists in the API as the guide describes it.
    certificates = {c["name"]: c for c in listed(server, "certificates")}
    assert certificates["server"]["type"] == "server"
    assert certificates["ca"]["type"] == "client"
    [loadbalancer] = listed(server, "loadbalancers")
    assert loadbalancer["name"] == "guide"
    assert loadbalancer["vip_address"] == "127.0.0.1"
    [listener] = listed(server, "listeners")
    assert listener["protocol"] == "HTTPS"
    assert listener["protocol_port"] == port
    assert listener["loadbalancer_id"] == loadbalancer["id"]
    assert listener["default_tls_container_ref"] == certificates["server"]["id"]
    assert listener["client_ca_tls_container_ref"] == certificates["ca"]["id"]
    assert listener["client_authentication"] == "mandatory"
    [pool] = listed(server, "pools")
    assert listener["default_pool_id"] == pool["id"]
    assert pool["lb_algorithm"] == "ROUND_ROBIN"
    members = elb(server, "GET", f"/pools/{pool['id']}/members").json()["members"]
    assert [(m["address"], m["protocol_port"], m["weight"]) for m in members] == [("127.0.0.1", backend.port, 1)]

    # The listener works: the guide's client certificate reaches the backend.
    response = echo(port, guide_sha256.client)
    assert response.status_code == 200
    assert response.headers["X-Backend-Name"] == "console-guide"

    # The certificates page names the listener that uses each certificate.
    console.go("Certificates")
    assert "https-mutual (server certificate)" in console.main_text()
    assert "https-mutual (CA certificate)" in console.main_text()

    # A narrow window stacks the tables instead of scrolling sideways.
    browser.resize(NARROW_SIZE)
    assert browser.driver.execute_script("return document.documentElement.scrollWidth") <= NARROW_SIZE[0]
    console.screenshot("certificates-narrow")
    console.click("Load balancers")
    console.wait_heading("Load balancers")
    console.click("guide")
    console.wait_heading("Load balancer guide")
    assert browser.driver.execute_script("return document.documentElement.scrollWidth") <= NARROW_SIZE[0]
    console.screenshot("listeners-narrow")


def build_browser_listener(server, guide, backend, folder):
    """Create, through the API, an mTLS listener whose server certificate names 127.0.0.1."""
    cert_path, key_path = issue_loopback_server_certificate(guide, folder)
    port = free_port()
    server.ports.append(port)
    certificate = create(server, "certificates", "certificate", {
        "name": "loopback", "type": "server", "certificate": cert_path.read_text(), "private_key": key_path.read_text()})
    ca = create(server, "certificates", "certificate", {"name": "ca", "type": "client",
                                                        "certificate": guide.ca_cert.read_text()})
    loadbalancer = create(server, "loadbalancers", "loadbalancer", {"vip_address": "127.0.0.1"})
    listener = create(server, "listeners", "listener", {
        "loadbalancer_id": loadbalancer, "protocol": "HTTPS", "protocol_port": port,
        "default_tls_container_ref": certificate, "client_ca_tls_container_ref": ca,
        "insert_headers": {"X-Forwarded-Clientcert-subjectdn-enable": True}})
    pool = create(server, "pools", "pool", {"lb_algorithm": "ROUND_ROBIN", "protocol": "HTTP", "listener_id": listener})
    create(server, f"pools/{pool}/members", "member", {"address": "127.0.0.1", "protocol_port": backend.port})
    return port


def test_browser_with_client_certificate(server, start_backend, guide_sha256, tmp_path):
    backend = start_backend("browser")
    port = build_browser_listener(server, guide_sha256, backend, tmp_path / "loopback")
    origin = f"https://127.0.0.1:{port}"

    # A profile with the guide's client.p12 that trusts the guide's CA.
    holder = Browser(tmp_path / "holder")
    database = create_nss_database(holder.home)
    trust_ca(database, guide_sha256.ca_cert)
    listing = import_p12(database, guide_sha256.client_p12)
    assert "u,u,u" in listing, listing
    write_auto_select_certificate(holder.profile, origin, {"ISSUER": {"O": "ELB"}})
    try:
        holder.start()
        holder.driver.get(f"{origin}/")
        page = holder.driver.find_element(By.TAG_NAME, "body").text
        holder.screenshot("browser-with-client-certificate")
    finally:
        holder.stop()
    assert '"path": "/"' in page, page
    assert guide_sha256.client.subject in page or "CN=www.test.com" in page, page
    received = backend.requests()[-1]
    subject = [value for name, value in received["headers"] if name.lower() == "x-forwarded-clientcert-subjectdn"]
    assert subject, received

    # A profile that trusts the CA but has no client certificate is rejected in the handshake,
    # and tollgate logs reason=no_certificate. Chromium 156 reports the refusal in one of two
    # ways, depending on when the server's alert arrives: an error page with
    # ERR_SOCKET_NOT_CONNECTED (openssl s_server with -Verify 1 gets the same page), or a
    # navigation error ERR_BAD_SSL_CLIENT_AUTH_CERT that chromedriver raises.
    requests_before = len(backend.requests())
    log_start = len(server.log_lines())
    stranger = Browser(tmp_path / "stranger")
    trust_ca(create_nss_database(stranger.home), guide_sha256.ca_cert)
    try:
        stranger.start()
        try:
            stranger.driver.get(f"{origin}/")
            page = stranger.driver.find_element(By.TAG_NAME, "body").text
        except WebDriverException as error:
            page = str(error)
        stranger.screenshot("browser-without-client-certificate")
    finally:
        stranger.stop()
    assert ("This site can’t be reached" in page and "ERR_SOCKET_NOT_CONNECTED" in page) or (
        "net::ERR_BAD_SSL_CLIENT_AUTH_CERT" in page), page
    rejected = server.find_lines(r"handshake rejected .* reason=no_certificate ", since=log_start)
    assert rejected, server.log_text()
    assert len(backend.requests()) == requests_before


def test_key_mismatch_beside_private_key(console, server, guide_sha256):
    console.go("Certificates")
    console.open_dialog("Create Certificate", "Create Certificate")
    console.fill("Name", "mismatch")
    console.fill("Certificate content", guide_sha256.server_cert.read_text())
    # The client's key belongs to another certificate; it is loaded from its file.
    console.upload("Private key", guide_sha256.client.key)
    assert console.field("Private key").get_attribute("value") == guide_sha256.client.key.read_text()
    assert not console.submit()
    assert console.field_error("Private key") == (
        'certificate.private_key: The private key does not match certificate 1 "CN=www.test.com,O=ELB". Upload the '
        "key that was generated with this certificate. For a matching pair, openssl x509 -in server.crt -noout "
        "-pubkey and openssl pkey -in server.key -pubout print the same public key.")
    assert console.field_error("Certificate content") is None
    assert console.form_error() is None
    assert console.field("Private key").get_attribute("aria-invalid") == "true"
    console.screenshot("certificate-key-mismatch")
    assert listed(server, "certificates") == []


def test_port_conflict_beside_port(console, server, guide_sha256):
    port = free_port()
    server.ports.append(port)
    certificate = create(server, "certificates", "certificate", {
        "name": "server", "type": "server", "certificate": guide_sha256.server_cert.read_text(),
        "private_key": guide_sha256.server_key.read_text()})
    loadbalancer = create(server, "loadbalancers", "loadbalancer", {"name": "edge", "vip_address": "127.0.0.1"})
    first = create(server, "listeners", "listener", {
        "name": "first", "loadbalancer_id": loadbalancer, "protocol": "HTTPS", "protocol_port": port,
        "default_tls_container_ref": certificate})

    console.go("Load balancers")
    console.click("edge")
    console.wait_heading("Load balancer edge")
    console.open_dialog("Add Listener", "Add Listener")
    console.fill("Name", "second")
    console.fill("Frontend port", str(port))
    console.choose("Server certificate", "server")
    assert not console.submit()
    assert console.field_error("Frontend port") == (
        f'listener.protocol_port: port already used by listeners[{first}] of the same load balancer "{port}": '
        "use another protocol_port")
    assert console.field_error("Server certificate") is None
    assert console.form_error() is None
    console.screenshot("listener-port-conflict")

    # A message that names no field of the form goes to the form's top.
    console.fill("Frontend port", str(free_port()))
    console.choose("Server certificate", "Choose a server certificate")
    assert not console.submit()
    assert console.field_error("Server certificate") == (
        "listener.default_tls_container_ref: missing required field: add the id of a certificate of type server")
    assert [listener["name"] for listener in listed(server, "listeners")] == ["first"]


def test_delete_refused_names_listener(console, server, guide_sha256):
    port = free_port()
    server.ports.append(port)
    certificate = create(server, "certificates", "certificate", {
        "name": "server", "type": "server", "certificate": guide_sha256.server_cert.read_text(),
        "private_key": guide_sha256.server_key.read_text()})
    loadbalancer = create(server, "loadbalancers", "loadbalancer", {"vip_address": "127.0.0.1"})
    listener = create(server, "listeners", "listener", {
        "name": "web", "loadbalancer_id": loadbalancer, "protocol": "HTTPS", "protocol_port": port,
        "default_tls_container_ref": certificate})

    console.go("Certificates")
    assert "web (server certificate)" in console.main_text()
    console.click_in_row("server", "Delete")
    console.click("Delete")
    notice = console.wait_notice("Certificate server was not deleted: ")
    assert notice.startswith(
        f"Certificate server was not deleted: certificate {certificate} is in use by listener {listener} "
        "(default_tls_container_ref). Change default_tls_container_ref of the listener first.")
    console.screenshot("certificate-delete-refused")
    assert [c["id"] for c in listed(server, "certificates")] == [certificate]


def _ca_certificate(common_name, not_after):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(min(now, not_after) - datetime.timedelta(days=30)).not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                     crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def test_expiry_highlighted(console, server):
    now = datetime.datetime.now(datetime.timezone.utc)
    for name, not_after in (("soon", now + datetime.timedelta(days=10, hours=12)),
                            ("gone", now - datetime.timedelta(days=2)),
                            ("later", now + datetime.timedelta(days=400))):
        create(server, "certificates", "certificate", {
            "name": name, "type": "client", "certificate": _ca_certificate(name, not_after)})

    console.go("Certificates")
    wait_until(lambda: len(table_rows(console)) == 3, "three certificates in the list")
    rows = {row.find_element(By.CSS_SELECTOR, ".name").text: row for row in table_rows(console)}
    assert rows["soon"].find_element(By.CSS_SELECTOR, ".expiry").get_attribute("class") == "expiry expiring"
    assert "Expires in 10 days" in rows["soon"].text
    assert rows["gone"].find_element(By.CSS_SELECTOR, ".expiry").get_attribute("class") == "expiry expired"
    assert "Expired" in rows["gone"].text
    assert rows["later"].find_element(By.CSS_SELECTOR, ".expiry").get_attribute("class") == "expiry"
    console.screenshot("certificates-expiry")


def table_rows(console):
    return console.driver.find_elements(By.CSS_SELECTOR, "main table.data tbody tr")


def test_rejected_token_returns_to_sign_in(server, browser):
    message = "The X-Auth-Token header is missing or invalid. Send the admin token."
    console = Console(browser, server.url)
    console.open()
    console.wait_heading("Sign in")
    console.fill("Admin token", "0" * 64)
    console.click("Sign in")
    wait_until(lambda: console.field_error("Admin token") == message, "the 401 message beside the token field")
    assert console.heading() == "Sign in"
    assert console.form_error() is None

    console.fill("Admin token", server.token)
    console.click("Sign in")
    console.wait_heading("Dashboard")
    assert browser.driver.execute_script("return sessionStorage.getItem('tollgate.token')") == server.token

    # A token that stops working sends the console back to sign-in with the API's message.
    browser.driver.execute_script("sessionStorage.setItem('tollgate.token', '1'.repeat(64))")
    console.go("Certificates", heading="Sign in")
    assert console.form_error() == f"Signed out: {message}"
    assert browser.driver.execute_script("return sessionStorage.getItem('tollgate.token')") is None


def test_keyboard_opens_and_closes_dialog(console):
    console.go("Certificates")
    create_button = console.driver.find_element(By.XPATH, "//button[normalize-space(.)='Create Certificate']")
    create_button.send_keys(Keys.ENTER)
    wait_until(console.dialog, "the Create Certificate dialog")
    assert console.driver.switch_to.active_element == console.field("Name")

    console.driver.switch_to.active_element.send_keys(Keys.TAB)
    assert console.driver.switch_to.active_element == console.field("Server certificate")

    console.driver.switch_to.active_element.send_keys(Keys.ESCAPE)
    wait_until(lambda: console.dialog() is None, "the dialog to close on Escape")
    assert console.driver.switch_to.active_element == create_button


def test_listener_edit_and_delete(console, server, guide_sha256, start_backend):
    backend = start_backend("edit")
    port = free_port()
    server.ports.append(port)
    certificate = create(server, "certificates", "certificate", {
        "name": "server", "type": "server", "certificate": guide_sha256.server_cert.read_text(),
        "private_key": guide_sha256.server_key.read_text()})
    ca = create(server, "certificates", "certificate", {"name": "ca", "type": "client",
                                                        "certificate": guide_sha256.ca_cert.read_text()})
    loadbalancer = create(server, "loadbalancers", "loadbalancer", {"name": "edge", "vip_address": "127.0.0.1"})
    listener = create(server, "listeners", "listener", {
        "name": "web", "loadbalancer_id": loadbalancer, "protocol": "HTTPS", "protocol_port": port,
        "default_tls_container_ref": certificate, "client_ca_tls_container_ref": ca})
    pool = create(server, "pools", "pool", {"name": "app", "lb_algorithm": "ROUND_ROBIN", "protocol": "HTTP",
                                            "listener_id": listener})
    create(server, f"pools/{pool}/members", "member", {"address": "127.0.0.1", "protocol_port": backend.port})

    # Turning mutual authentication off sends client_authentication none and no CA.
    console.go("Load balancers")
    console.click("edge")
    console.wait_heading("Load balancer edge")
    console.click_in_row("web", "Edit")
    wait_until(console.dialog, "the Edit listener dialog")
    assert console.field("Frontend port").get_attribute("disabled") == "true"
    assert console.field("Mutual authentication").is_selected()
    console.field("Mutual authentication").click()
    console.fill("Response timeout (s)", "30")
    assert console.submit("Save")
    console.wait_notice(f"Saved listener web on port {port}.")
    edited = elb(server, "GET", f"/listeners/{listener}").json()["listener"]
    assert edited["client_authentication"] == "none"
    assert edited["client_ca_tls_container_ref"] is None
    assert edited["member_timeout"] == 30
    assert edited["default_pool_id"] == pool
    assert echo(port, None).status_code == 200

    # Removing the backend server, then deleting the listener.
    console.click("app")
    console.wait_heading("Backend server group app")
    console.click_in_row(str(backend.port), "Remove")
    console.click("Remove")
    console.wait_notice(f"Removed backend server 127.0.0.1:{backend.port}.")
    assert elb(server, "GET", f"/pools/{pool}/members").json()["members"] == []

    console.go("Load balancers")
    console.click("edge")
    console.wait_heading("Load balancer edge")
    console.click_in_row("web", "Delete")
    console.click("Delete")
    console.wait_notice("Deleted listener web.")
    assert listed(server, "listeners") == []
    assert "No listeners yet." in console.main_text()
