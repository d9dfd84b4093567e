"""Headless Chromium for the console tests: profiles, client certificates in NSS, screenshots.

Each Browser is one Chromium with its own profile (--user-data-dir) and its own HOME, because
Chromium on Linux reads client certificates and trusted CAs from $HOME/.pki/nssdb. The browser
is driven through Debian's chromedriver with Selenium, and every run stays on loopback.
"""

import contextlib
import datetime
import ipaddress
import json
import os
import signal
import subprocess
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service

from .certs import P12_PASSWORD
from .settings import BINARY, TIMEOUT, wait_until

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
DESKTOP_SIZE = (1280, 800)
NARROW_SIZE = (400, 800)

# Switches that keep Chromium off the network except for loopback: no background services,
# no proxy, and host names other than loopback addresses do not resolve.
_OFFLINE_SWITCHES = [
    "--no-proxy-server",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-domain-reliability",
    "--disable-sync",
    "--disable-client-side-phishing-detection",
    "--disable-features=OptimizationHints,Translate,MediaRouter,AutofillServerCommunication",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1, EXCLUDE [::1]",
    "--no-first-run",
    "--no-default-browser-check",
]


def artifacts_dir():
    """Return the folder for screenshots: $TOLLGATE_ARTIFACTS/console, else BUILD_DIR/artifacts/console."""
    base = os.environ.get("TOLLGATE_ARTIFACTS")
    folder = Path(base) if base else BINARY.parent / "artifacts"
    folder = folder / "console"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _run(command, env=None):
    completed = subprocess.run(command, capture_output=True, text=True, env=env, timeout=TIMEOUT)
    if completed.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, command))} failed: {completed.stderr}{completed.stdout}")
    return completed.stdout


def create_nss_database(home):
    """Create an empty NSS database in `home`/.pki/nssdb, where Chromium on Linux looks for it."""
    database = Path(home) / ".pki" / "nssdb"
    database.mkdir(parents=True)
    _run(["certutil", "-N", "-d", f"sql:{database}", "--empty-password"])
    return database


def trust_ca(database, ca_cert, nickname="tollgate test CA"):
    """Import `ca_cert` into the NSS database as a CA trusted to identify TLS servers."""
    _run(["certutil", "-A", "-d", f"sql:{database}", "-n", nickname, "-t", "C,,", "-i", str(ca_cert)])


def import_p12(database, p12_path, password=P12_PASSWORD):
    """Import a client certificate and its key from a PKCS#12 file into the NSS database."""
    _run(["pk12util", "-i", str(p12_path), "-d", f"sql:{database}", "-W", password])
    return _run(["certutil", "-L", "-d", f"sql:{database}"])


def write_auto_select_certificate(profile, origin, issuer_filter):
    """Make Chromium pick the client certificate for `origin` without asking.

    This is the profile's content setting behind the AutoSelectCertificateForUrls policy,
    stored in Default/Preferences with the policy's value format. The policy itself needs a
    file under /etc/chromium/policies/managed, and the --policy switch that sets policies on
    the command line exists only in Android debug builds. Without this setting, headless
    Chromium waits at the certificate selector and the page never loads.
    """
    preferences = Path(profile) / "Default" / "Preferences"
    preferences.parent.mkdir(parents=True, exist_ok=True)
    setting = {"filters": [issuer_filter]}
    content = {"profile": {"content_settings": {"exceptions": {"auto_select_certificate": {
        f"{origin},*": {"setting": setting}}}}}}
    preferences.write_text(json.dumps(content))


def issue_loopback_server_certificate(guide, folder):
    """Issue a server certificate for 127.0.0.1 from the guide's CA; return (cert path, key path).

    The guide's own server certificate has no subjectAltName, so a browser that trusts the CA
    still rejects it for any host. This one names IP:127.0.0.1, as browsers require.
    """
    ca = x509.load_pem_x509_certificate(guide.ca_cert.read_bytes())
    ca_key = serialization.load_pem_private_key(guide.ca_key.read_bytes(), password=None)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ELB"),
                                 x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=90))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                       critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = folder / "loopback.crt", folder / "loopback.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class Browser:
    """One headless Chromium with its own profile and HOME, driven by Selenium.

    `stop()` ends it with driver.quit() and then stops by PID any process of its profile
    that is still running, so no browser outlives a test.
    """

    def __init__(self, folder, size=DESKTOP_SIZE):
        self.folder = Path(folder)
        self.home = self.folder / "home"
        self.profile = self.folder / "profile"
        self.home.mkdir(parents=True, exist_ok=True)
        self.profile.mkdir(parents=True, exist_ok=True)
        self.size = size
        self.driver = None
        self._service = None

    def start(self):
        assert CHROMIUM.exists(), f"{CHROMIUM} not found: run scripts/setup to install chromium"
        assert CHROMEDRIVER.exists(), f"{CHROMEDRIVER} not found: run scripts/setup to install chromium-driver"
        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for switch in ["--headless=new", f"--user-data-dir={self.profile}",
                       f"--window-size={self.size[0]},{self.size[1]}", "--disable-gpu",
                       "--disable-dev-shm-usage", *_OFFLINE_SWITCHES]:
            options.add_argument(switch)
        if os.geteuid() == 0:
            # Chromium's sandbox refuses to run as root.
            options.add_argument("--no-sandbox")
        environment = {**os.environ, "HOME": str(self.home)}
        self._service = Service(str(CHROMEDRIVER), env=environment,
                                log_path=str(self.folder / "chromedriver.log"))
        self.driver = webdriver.Chrome(service=self._service, options=options)
        self.driver.set_page_load_timeout(TIMEOUT)
        self.driver.set_script_timeout(TIMEOUT)
        # --window-size counts the window's frame, so the page gets its size set exactly.
        self.resize(self.size)
        return self

    def resize(self, size):
        """Set the size of the page's viewport in CSS pixels."""
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": size[0], "height": size[1], "deviceScaleFactor": 1, "mobile": False})

    def screenshot(self, name):
        """Save a PNG of the viewport as ARTIFACTS/console/`name`.png and return its path."""
        path = artifacts_dir() / f"{name}.png"
        assert self.driver.save_screenshot(str(path)), f"screenshot {path} failed"
        return path

    def _profile_pids(self):
        """Return the PIDs of processes whose command line names this browser's profile."""
        marker = f"--user-data-dir={self.profile}".encode()
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                if marker in (entry / "cmdline").read_bytes():
                    pids.append(int(entry.name))
            except OSError:
                continue
        return pids

    def stop(self):
        if self.driver is not None:
            try:
                self.driver.quit()
            except WebDriverException:
                pass
            self.driver = None
        if self._service is not None and self._service.process is not None:
            if self._service.process.poll() is None:
                self._service.process.kill()
            self._service.process.wait(TIMEOUT)
        for pid in self._profile_pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        wait_until(lambda: not self._profile_pids(), f"the processes of Chromium profile {self.profile} to exit")


@contextlib.contextmanager
def checked_browser(folder, size=DESKTOP_SIZE):
    """Start a Browser in `folder`, yield it, and stop it afterwards.

    When the block ends without an exception, the page's scripts must have logged no error.
    """
    instance = Browser(folder, size)
    try:
        instance.start()
        yield instance
        script_errors = [entry["message"] for entry in instance.driver.get_log("browser")
                         if entry["level"] == "SEVERE" and entry["source"] == "javascript"]
        assert script_errors == []
    finally:
        instance.stop()
