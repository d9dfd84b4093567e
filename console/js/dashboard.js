// The dashboard: charts of each listener's requests per second, active connections and
// rejected handshakes, from /metrics read every POLL_INTERVAL_MS while the page is open.

import { listAll } from "./api.js";
import { formatNumber, lastValue, LineChart } from "./charts.js";
import { button, el, link, uniqueId } from "./dom.js";
import { fetchMetrics, MAX_RANGE_MS, MetricsDisabledError, MetricsHistory, POLL_INTERVAL_MS,
    summarizeScrape } from "./metrics.js";
import { renderPage } from "./page.js";

// Unknown listener ids in /metrics make the page read the listener names again, at most this often.
const NAMES_REFRESH_MS = 30 * 1000;
const RANGES = [{ label: "Last 5 minutes", ms: 5 * 60 * 1000 }, { label: "Last 10 minutes", ms: MAX_RANGE_MS }];

// The scrapes outlive the page, so the charts keep their history when the user comes back.
const history = new MetricsHistory();
let rangeMs = RANGES[0].ms;

function setupSteps() {
    return [
        el("h2", {}, "Set up mutual authentication"),
        el("ol", { className: "steps" },
            el("li", {}, link("Certificates", "#/certificates"),
                ": create the server certificate with its private key, and the CA certificate that issued the client certificates."),
            el("li", {}, link("Load balancers", "#/loadbalancers"),
                ": create a load balancer, open it and add an HTTPS listener with mutual authentication."),
            el("li", {}, link("Backend server groups", "#/pools"),
                ": create a group for the listener and add the backend servers.")),
    ];
}

function formatClock(time) {
    return new Date(time).toLocaleTimeString([], { hour12: false });
}

// The three charts of one listener, in a section headed by its name and id.
class ListenerCharts {
    constructor(id) {
        this.id = id;
        this.heading = el("h2", {});
        this.details = el("p", { className: "secondary listener-details" });
        this.requests = new LineChart("requests", "Requests per second", "requests/s");
        this.connections = new LineChart("connections", "Active connections", "connections");
        this.rejections = new LineChart("rejections", "Rejected handshakes per second", "rejections/s");
        const headingId = uniqueId("listener");
        this.heading.id = headingId;
        this.element = el("section", { className: "listener-charts", "data-listener-id": id,
            "aria-labelledby": headingId },
        this.heading, this.details,
        el("div", { className: "charts" }, this.requests.element, this.connections.element, this.rejections.element));
    }

    label(listener) {
        return listener && listener.name ? listener.name : this.id;
    }

    describe(listener, loadbalancerId) {
        this.heading.textContent = `Listener ${this.label(listener)}`;
        const parts = [`id ${this.id}`];
        if (listener) {
            parts.push(`${listener.protocol} port ${listener.protocol_port}`);
        } else {
            parts.push("not in the API's listener list (deleted, or of another project)");
        }
        if (loadbalancerId) {
            parts.push(`load balancer ${loadbalancerId}`);
        }
        this.details.textContent = parts.join(" · ");
    }

    update(startTime, endTime) {
        const rangeText = `the last ${Math.round((endTime - startTime) / 60000)} minutes`;
        const requestPoints = history.requestRate(this.id, startTime);
        const requestsNow = lastValue(requestPoints);
        this.requests.update({
            series: [{ name: "requests", label: "Requests per second", points: requestPoints }],
            startTime, endTime,
            summary: requestsNow === null ? "No rate yet: it needs two reads of /metrics."
                : `${formatNumber(requestsNow)} requests/s now.`,
        });

        const connectionPoints = history.activeConnections(this.id, startTime);
        const connectionsNow = lastValue(connectionPoints);
        this.connections.update({
            series: [{ name: "active", label: "Active connections", points: connectionPoints }],
            startTime, endTime,
            summary: connectionsNow === null ? "No data yet." : `${formatNumber(connectionsNow)} open now.`,
        });

        const reasons = history.rejectionRates(this.id, startTime);
        const series = [...reasons].map(([reason, data]) => ({ name: reason, label: reason, points: data.points,
            total: data.total }));
        const counts = series.map((item) => `${item.name} ${item.total}`);
        this.rejections.update({
            series, startTime, endTime,
            summary: series.length ? `In ${rangeText}: ${counts.join(", ")}.` : `None in ${rangeText}.`,
            emptyText: "No rejected handshakes",
        });
    }
}

// The dashboard while it is shown: polls /metrics until its element leaves the document.
class Dashboard {
    constructor(page) {
        this.page = page;
        this.listeners = new Map();
        this.namesReadAt = 0;
        this.charts = new Map();
        this.timer = null;
        this.paused = false;
        this.errorText = "";
        this.status = el("p", { className: "secondary dashboard-status" });
        this.list = el("div", { className: "listener-list" });
        this.empty = el("div", { className: "dashboard-empty", hidden: true },
            el("p", { className: "empty" }, "No listeners yet. Their charts appear here once they exist."),
            setupSteps());
        this.disabled = el("div", { className: "placeholder", hidden: true });
        this.pauseButton = button("Pause", () => this.togglePause(), { "aria-pressed": "false" });
        this.controls = el("div", { className: "dashboard-controls" }, this.rangeSelect(), this.pauseButton, this.status);
        this.element = el("div", { className: "dashboard" }, this.controls, this.disabled, this.empty, this.list);
    }

    rangeSelect() {
        const id = uniqueId("range");
        const select = el("select", { id, onchange: () => {
            rangeMs = Number(select.value);
            this.redraw();
        } }, RANGES.map((range) => el("option", { value: String(range.ms), selected: range.ms === rangeMs },
            range.label)));
        return el("div", { className: "field-inline" }, el("label", { for: id }, "Time range"), select);
    }

    get shown() {
        return this.element.isConnected;
    }

    togglePause() {
        this.paused = !this.paused;
        this.pauseButton.textContent = this.paused ? "Resume" : "Pause";
        this.pauseButton.setAttribute("aria-pressed", String(this.paused));
        clearTimeout(this.timer);
        if (this.paused) {
            this.status.textContent = "Paused. The charts keep their data but read /metrics no more.";
        } else {
            this.poll();
        }
    }

    async readNames() {
        this.namesReadAt = Date.now();
        try {
            const listeners = await listAll("/listeners", "listeners");
            this.listeners = new Map(listeners.map((listener) => [listener.id, listener]));
        } catch (error) {
            // A 401 has already signed the user out. Other failures leave the charts labelled by id.
            if (error.status !== 401) {
                this.page.notify("warning", `Reading the listener names failed: ${error.message}`);
            }
        }
    }

    async poll() {
        if (!this.shown || this.paused) {
            return;
        }
        try {
            const parsed = await fetchMetrics();
            // A page left during the fetch adds nothing, because the newly shown page polls too.
            if (!this.shown) {
                return;
            }
            history.add(Date.now(), summarizeScrape(parsed));
            this.showError("");
        } catch (error) {
            if (error instanceof MetricsDisabledError) {
                this.showDisabled();
                return;
            }
            this.showError(`Reading /metrics failed: ${error.message} The dashboard tries again every ` +
                `${POLL_INTERVAL_MS / 1000} s.`);
        }
        const unknown = [...history.listenerIds()].some((id) => !this.listeners.has(id));
        if (unknown && Date.now() - this.namesReadAt > NAMES_REFRESH_MS) {
            await this.readNames();
        }
        if (!this.shown || this.paused) {
            return;
        }
        this.redraw();
        clearTimeout(this.timer);
        this.timer = setTimeout(() => this.poll(), POLL_INTERVAL_MS);
    }

    showError(text) {
        if (text === this.errorText) {
            return;
        }
        this.errorText = text;
        if (text) {
            this.page.notify("error", text);
        } else {
            this.page.clearNotices();
        }
    }

    showDisabled() {
        this.showError("");
        this.controls.hidden = true;
        this.list.hidden = true;
        this.disabled.hidden = false;
        this.disabled.replaceChildren(
            el("p", {}, "tollgate serves no metrics, so there is nothing to chart: GET /metrics returned 404. ",
                "tollgate serve runs with ", el("code", {}, "--no-metrics"), ". Start it without ",
                el("code", {}, "--no-metrics"), " to see the charts."),
            button("Check again", () => {
                this.disabled.hidden = true;
                this.list.hidden = false;
                this.controls.hidden = false;
                this.poll();
            }));
    }

    redraw() {
        const ordered = this.updateSections();
        for (const charts of ordered) {
            charts.describe(this.listeners.get(charts.id), history.loadbalancerId(charts.id));
        }
        const endTime = history.latestTime();
        if (endTime === null) {
            return;
        }
        const startTime = endTime - rangeMs;
        for (const charts of ordered) {
            charts.update(startTime, endTime);
        }
        if (!this.paused) {
            this.status.textContent = `Read /metrics at ${formatClock(endTime)}, every ${POLL_INTERVAL_MS / 1000} s.`;
        }
    }

    // Adds a section for each listener of /metrics or of the API, removes the others, and
    // returns the sections sorted by listener name.
    updateSections() {
        const ids = new Set([...history.listenerIds(), ...this.listeners.keys()]);
        this.empty.hidden = ids.size > 0;
        for (const id of ids) {
            if (!this.charts.has(id)) {
                this.charts.set(id, new ListenerCharts(id));
            }
        }
        for (const [id, charts] of this.charts) {
            if (!ids.has(id)) {
                charts.element.remove();
                this.charts.delete(id);
            }
        }
        const ordered = [...this.charts.values()].sort((a, b) =>
            a.label(this.listeners.get(a.id)).localeCompare(b.label(this.listeners.get(b.id))) || a.id.localeCompare(b.id));
        // Appending moves a section, which would take the focus out of it, so only a changed order is applied.
        if (ordered.some((charts, index) => this.list.children[index] !== charts.element)) {
            this.list.replaceChildren(...ordered.map((charts) => charts.element));
        }
        return ordered;
    }
}

export async function render(main) {
    const page = renderPage(main, "Dashboard", [],
        `Traffic of each listener over the chosen time range, from tollgate's /metrics, read every ` +
        `${POLL_INTERVAL_MS / 1000} seconds while this page is open.`);
    const dashboard = new Dashboard(page);
    page.content.append(dashboard.element);
    await dashboard.readNames();
    dashboard.redraw();
    // A scrape much closer to the previous one than the interval gives noisy rates, so a page
    // shown again soon after it was left waits for the rest of the interval.
    const latest = history.latestTime();
    const wait = latest === null ? 0 : Math.max(0, latest + POLL_INTERVAL_MS - Date.now());
    dashboard.timer = setTimeout(() => dashboard.poll(), wait);
}
