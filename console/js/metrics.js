// Reads tollgate's /metrics and keeps the recent scrapes, from which the dashboard derives
// per-listener series: requests per second, active connections and rejected handshakes.

import { parsePrometheusText } from "./prometheus.js";

export const POLL_INTERVAL_MS = 2000;
// The maximum time range the dashboard offers. The ring keeps one scrape more than this
// covers, so that the oldest shown rate has the scrape before it.
export const MAX_RANGE_MS = 10 * 60 * 1000;

const RESPONSES = "tollgate_http_responses_total";
const ACTIVE = "tollgate_active_connections";
const HANDSHAKES = "tollgate_tls_handshakes_total";

// /metrics returned 404 because tollgate runs with --no-metrics.
export class MetricsDisabledError extends Error {}

// Fetches and parses /metrics. It needs no token, so none is sent. Throws
// MetricsDisabledError on 404, Error for other failures, PrometheusParseError for bad text.
export async function fetchMetrics() {
    let response;
    try {
        response = await fetch("/metrics", { cache: "no-store", credentials: "omit", redirect: "error" });
    } catch (error) {
        throw new Error(`/metrics did not respond (${error.message}). Check that tollgate is running.`);
    }
    if (response.status === 404) {
        throw new MetricsDisabledError("GET /metrics returned 404.");
    }
    if (!response.ok) {
        throw new Error(`GET /metrics failed with HTTP ${response.status}.`);
    }
    return parsePrometheusText(await response.text());
}

// Reduces a parsed scrape to the values the dashboard charts. Returns a Map from listener id
// to {loadbalancerId, responses: Map status_class -> count, active, rejected: Map reason -> count}.
export function summarizeScrape(parsed) {
    const listeners = new Map();
    const entry = (labels) => {
        const id = labels.listener_id;
        if (!listeners.has(id)) {
            listeners.set(id, { loadbalancerId: labels.loadbalancer_id || "", responses: new Map(), active: null,
                rejected: new Map() });
        }
        return listeners.get(id);
    };
    for (const sample of parsed.samples) {
        const labels = sample.labels;
        if (!labels.listener_id) {
            continue;
        }
        if (sample.name === RESPONSES) {
            entry(labels).responses.set(labels.status_class || "", sample.value);
        } else if (sample.name === ACTIVE) {
            entry(labels).active = sample.value;
        } else if (sample.name === HANDSHAKES && labels.result === "failure") {
            entry(labels).rejected.set(labels.reason || "other", sample.value);
        }
    }
    return listeners;
}

// The increase of a counter from `previous` to `current`. A counter that went down was reset,
// because tollgate restarted and counts from 0 again, so all of `current` is new. A series
// missing before (a new listener, or a status class seen first) starts at 0.
export function counterIncrease(previous, current) {
    if (previous === undefined || current < previous) {
        return current;
    }
    return current - previous;
}

function sumIncreases(previousCounts, currentCounts) {
    let total = 0;
    for (const [key, value] of currentCounts) {
        total += counterIncrease(previousCounts ? previousCounts.get(key) : undefined, value);
    }
    return total;
}

// The recent scrapes, oldest first, each {time (ms since the epoch), listeners}.
export class MetricsHistory {
    constructor(capacityMs = MAX_RANGE_MS) {
        this.capacityMs = capacityMs;
        this.scrapes = [];
    }

    add(time, listeners) {
        this.scrapes.push({ time, listeners });
        // Keep one scrape older than the capacity, the base of the oldest rate.
        while (this.scrapes.length > 2 && this.scrapes[1].time < time - this.capacityMs) {
            this.scrapes.shift();
        }
    }

    latestTime() {
        return this.scrapes.length ? this.scrapes[this.scrapes.length - 1].time : null;
    }

    // Returns the listener ids of every scrape in the ring, deleted listeners included.
    listenerIds() {
        const ids = new Set();
        for (const scrape of this.scrapes) {
            for (const id of scrape.listeners.keys()) {
                ids.add(id);
            }
        }
        return ids;
    }

    loadbalancerId(listenerId) {
        for (let i = this.scrapes.length - 1; i >= 0; i -= 1) {
            const entry = this.scrapes[i].listeners.get(listenerId);
            if (entry) {
                return entry.loadbalancerId;
            }
        }
        return "";
    }

    // Calls `derive(previous entry, current entry, seconds)` for each pair of consecutive
    // scrapes whose later one is at or after `since`, and returns [[time, value]]. The value is
    // null where the listener is missing from the later scrape.
    pairs(listenerId, since, derive) {
        const points = [];
        for (let i = 1; i < this.scrapes.length; i += 1) {
            const current = this.scrapes[i];
            if (current.time < since) {
                continue;
            }
            const previous = this.scrapes[i - 1];
            const entry = current.listeners.get(listenerId);
            const seconds = (current.time - previous.time) / 1000;
            const value = entry && seconds > 0 ? derive(previous.listeners.get(listenerId), entry, seconds) : null;
            points.push([current.time, value]);
        }
        return points;
    }

    // Returns [[time, responses per second]] since `since`, all status classes together.
    requestRate(listenerId, since) {
        return this.pairs(listenerId, since,
            (previous, current, seconds) => sumIncreases(previous && previous.responses, current.responses) / seconds);
    }

    // Returns [[time, open client connections]] since `since`.
    activeConnections(listenerId, since) {
        return this.pairs(listenerId, since, (previous, current) => current.active);
    }

    // Returns a Map from reason to {points: [[time, rejections per second]], total} since
    // `since`, where total is the number of rejections. Only reasons with rejections are listed.
    rejectionRates(listenerId, since) {
        const reasons = new Set();
        for (const scrape of this.scrapes) {
            const entry = scrape.listeners.get(listenerId);
            for (const reason of entry ? entry.rejected.keys() : []) {
                reasons.add(reason);
            }
        }
        const result = new Map();
        for (const reason of [...reasons].sort()) {
            let total = 0;
            const points = this.pairs(listenerId, since, (previous, current, seconds) => {
                const before = previous ? previous.rejected.get(reason) : undefined;
                const now = current.rejected.get(reason);
                const increase = now === undefined ? 0 : counterIncrease(before, now);
                total += increase;
                return increase / seconds;
            });
            if (total > 0) {
                result.set(reason, { points, total });
            }
        }
        return result;
    }
}
