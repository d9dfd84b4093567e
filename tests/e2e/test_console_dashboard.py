"""The console's dashboard: charts of each listener from /metrics, in headless Chromium.

tollgate runs in store mode with the guide's listener, built through the API. The tests read
each chart's data from its data-series attribute rather than from pixels, while client
threads send requests with and without the client certificate. Every wait polls with a
deadline, and the dashboard reads /metrics every 2 s, so each wait spans a few reads.
"""

import json
import socket
import ssl
import threading

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from support.browser import NARROW_SIZE, checked_browser
from support.clients import curl
from support.console import Console
from support.elb import PROJECT, build_guide, elb
from support.ports import free_port
from support.settings import TIMEOUT, wait_until


@pytest.fixture
def browser(tmp_path):
    """One headless Chromium at 1280x800; its scripts must have logged no error by the end."""
    with checked_browser(tmp_path / "browser") as instance:
        yield instance


@pytest.fixture
def guide(server, start_backend, guide_sha256):
    """The guide's mTLS listener, named guide-mtls; returns (port, resource ids)."""
    backend = start_backend("dashboard")
    port = free_port()
    server.ports.append(port)
    ids = build_guide(server, guide_sha256, port, backend)
    renamed = elb(server, "PUT", f"/listeners/{ids['listener']}", {"listener": {"name": "guide-mtls"}})
    assert renamed.status_code == 200, renamed.text
    return port, ids


@pytest.fixture
def console(server, browser):
    """The console of `server` in `browser`, signed in with the admin token."""
    page = Console(browser, server.url)
    page.sign_in(server.token, PROJECT)
    return page


class ClientLoad:
    """A thread that sends GET /echo with the client certificate until stopped, counting 200s."""

    def __init__(self, url, client):
        self.url = url
        self.client = client
        self.stop_event = threading.Event()
        self.succeeded = 0
        self.failures = []
        self.thread = threading.Thread(target=self._run)

    def _run(self):
        while not self.stop_event.is_set():
            result = curl(self.url, cert=self.client.cert, key=self.client.key)
            if result.status == 200:
                self.succeeded += 1
            else:
                self.failures.append(f"exit {result.exit_code}, status {result.status}: {result.stderr}")

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_event.set()
        self.thread.join(TIMEOUT)
        assert not self.thread.is_alive(), "the client thread did not stop"


def values(data, series_name):
    """Return the non-null values of one series of a chart's data, oldest first."""
    [series] = [item for item in data["series"] if item["name"] == series_name]
    return [value for _, value in series["points"] if value is not None]


def test_dashboard_charts_listener_traffic(server, guide, guide_sha256, browser, console):
    port, ids = guide
    listener = ids["listener"]

    heading = wait_until(lambda: browser.driver.find_elements(
        "css selector", f'section[data-listener-id="{listener}"] h2'), "the listener's section")[0]
    assert heading.text == "Listener guide-mtls"

    # A rate needs two reads of /metrics. Before any traffic it is 0.
    data = wait_until(lambda: (d := console.chart_data(listener, "requests")) and values(d, "requests") and d,
                      "a first requests-per-second value")
    assert data["unit"] == "requests/s"
    assert set(values(data, "requests")) == {0}
    assert console.chart_data(listener, "rejections")["series"] == []

    # Clients with the guide's certificate, and three without one, which the handshake rejects.
    url = f"https://127.0.0.1:{port}/echo"
    with ClientLoad(url, guide_sha256.client) as load:
        for _ in range(3):
            assert curl(url).status == 0
        wait_until(lambda: max(values(console.chart_data(listener, "requests"), "requests")) > 0,
                   "the requests-per-second chart to rise above 0")
    assert load.failures == []
    assert load.succeeded > 0

    def rejections():
        series = console.chart_data(listener, "rejections")["series"]
        return {item["name"]: item["total"] for item in series}

    wait_until(lambda: rejections() == {"no_certificate": 3}, f"3 no_certificate rejections (now {rejections()})")
    figure = console.chart(listener, "rejections")
    assert "no_certificate 3" in figure.find_element("css selector", ".chart-summary").text
    assert max(values(console.chart_data(listener, "rejections"), "no_certificate")) > 0
    # The table of values names the reason, and the SVG's label repeats the summary.
    assert figure.find_element("css selector", "table.values tbody th").get_attribute("textContent") == "no_certificate"
    label = figure.find_element("css selector", "svg").get_attribute("aria-label")
    assert label.startswith("Rejected handshakes per second: In the last 5 minutes: no_certificate 3")

    # A connection held open shows in the active connections; the rate returns to 0 without traffic.
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.load_cert_chain(guide_sha256.client.cert, guide_sha256.client.key)
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as raw, context.wrap_socket(raw):
        wait_until(lambda: values(console.chart_data(listener, "connections"), "active")[-1] == 1,
                   "one active connection on the chart")
        console.screenshot("dashboard-traffic")
    wait_until(lambda: values(console.chart_data(listener, "requests"), "requests")[-1] == 0,
               "the requests-per-second chart to return to 0")

    # A narrow window puts the charts under each other without scrolling sideways.
    browser.resize(NARROW_SIZE)
    wait_until(lambda: browser.driver.execute_script("return document.documentElement.scrollWidth") <= NARROW_SIZE[0],
               "the dashboard to fit 400 pixels")
    console.screenshot("dashboard-narrow")


def test_dashboard_without_metrics(store_server, browser):
    server = store_server(extra_arguments=["--no-metrics"])
    assert requests.get(f"{server.url}/metrics", timeout=TIMEOUT).status_code == 404
    console = Console(browser, server.url)
    console.sign_in(server.token, PROJECT)
    message = ("tollgate serves no metrics, so there is nothing to chart: GET /metrics returned 404. "
               "tollgate serve runs with --no-metrics. Start it without --no-metrics to see the charts.")
    wait_until(lambda: message in console.main_text(), "the message that metrics are turned off")
    console.screenshot("dashboard-no-metrics")
    console.click("Check again")
    wait_until(lambda: message in console.main_text(), "the message again after Check again")


PARSE_SCRIPT = """
const [text, done] = arguments;
import("/console/js/prometheus.js").then((module) => {
    try {
        const parsed = module.parsePrometheusText(text);
        done({ families: [...parsed.families.values()], samples: parsed.samples.map((sample) =>
            ({ name: sample.name, labels: sample.labels, value: String(sample.value), timestamp: sample.timestamp })) });
    } catch (error) {
        done({ error: error.message });
    }
});
"""


def parse_in_browser(console, text):
    return console.driver.execute_async_script(PARSE_SCRIPT, text)


def test_dashboard_parser_matches_prometheus(server, guide, console):
    text = requests.get(f"{server.url}/metrics", timeout=TIMEOUT).text
    parsed = parse_in_browser(console, text)
    expected = {(sample.name, json.dumps(sample.labels, sort_keys=True), float(sample.value))
                for family in text_string_to_metric_families(text) for sample in family.samples}
    got = {(sample["name"], json.dumps(sample["labels"], sort_keys=True), float(sample["value"]))
           for sample in parsed["samples"]}
    assert got == expected
    types = {family["name"]: family["type"] for family in parsed["families"]}
    assert types["tollgate_http_responses_total"] == "counter"
    assert types["tollgate_active_connections"] == "gauge"
    assert types["tollgate_http_request_duration_seconds"] == "histogram"

    escaped = ('# HELP x_total Help with \\\\ and \\n inside\n# TYPE x_total counter\n'
               'x_total{path="C:\\\\dir",quote="say \\"hi\\"",lines="a\\nb",} 12 1700000000000\n'
               'x_bucket{le="+Inf"} +Inf\n')
    parsed = parse_in_browser(console, escaped)
    assert parsed["families"] == [{"name": "x_total", "type": "counter", "help": "Help with \\ and \n inside"}]
    assert parsed["samples"][0] == {"name": "x_total", "labels": {"path": "C:\\dir", "quote": 'say "hi"',
                                                                  "lines": "a\nb"},
                                    "value": "12", "timestamp": 1700000000000}
    assert parsed["samples"][1]["value"] == "Infinity"

    assert parse_in_browser(console, 'x{a="\\q"} 1') == {
        "error": 'line 1: invalid escape sequence "\\q" in a label value'}
    assert parse_in_browser(console, "ok 1\nx{a=\"b} 1") == {
        "error": "line 2: the value of label a has no closing quote"}
