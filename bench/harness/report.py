"""Turn the results of a run into the Markdown comparison table."""

from dataclasses import dataclass
from typing import Callable

MIB = 1024.0


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def median_run(runs: list[dict]) -> dict:
    """Combine the rounds of one proxy and mode: the median of each figure the table shows, the
    sum of the failed requests and of the access log lines, and the TLS parameters of the first
    round."""
    combined = {
        "rounds": len(runs),
        "requests_per_s": _median([run["requests_per_s"] for run in runs]),
        "latency_ms": {percentile: _median([run["latency_ms"][percentile] for run in runs])
                       for percentile in ("p50", "p90", "p99", "max")},
        "proxy_cpu_per_request_us": _median([run["proxy_cpu_per_request_us"] for run in runs]),
        "proxy_busy_percent": _median([run["proxy_busy_percent"] for run in runs]),
        "cpu1_busy_percent": _median([run["cpu1_busy_percent"] for run in runs]),
        "errors_total": sum(run["errors_total"] for run in runs),
        "tls": runs[0]["tls"],
    }
    if all("access_log_lines" in run for run in runs):
        combined["access_log_lines"] = sum(run["access_log_lines"] for run in runs)
        combined["access_log_lines_expected"] = sum(run["access_log_lines_expected"] for run in runs)
    return combined


@dataclass
class Row:
    label: str
    value: Callable[[dict], float | None]  # reads one proxy's results
    digits: int
    with_ratio: bool = True


def _run_value(mode: str, key: str, scale: float = 1.0) -> Callable[[dict], float | None]:
    def read(result: dict) -> float | None:
        run = result.get(mode)
        return None if run is None else run[key] * scale
    return read


def _latency(mode: str, percentile: str) -> Callable[[dict], float | None]:
    def read(result: dict) -> float | None:
        run = result.get(mode)
        return None if run is None else run["latency_ms"][percentile]
    return read


def _errors(result: dict) -> float | None:
    medians = [result[mode] for mode in ("keepalive", "handshake") if mode in result]
    if not medians:
        return None
    return sum(median["errors_total"] for median in medians)


def _peak_rss_mib(result: dict) -> float | None:
    peak = result.get("peak_rss_kib")
    return None if peak is None else peak / MIB


ROWS = [
    Row("Keep-alive: requests/s (higher is better)", _run_value("keepalive", "requests_per_s"), 0),
    Row("Keep-alive: latency p50, ms (lower is better)", _latency("keepalive", "p50"), 2),
    Row("Keep-alive: latency p99, ms (lower is better)", _latency("keepalive", "p99"), 2),
    Row("Keep-alive: latency max, ms (lower is better)", _latency("keepalive", "max"), 2),
    Row("Keep-alive: proxy CPU per request, µs (lower is better)",
        _run_value("keepalive", "proxy_cpu_per_request_us"), 1),
    Row("Keep-alive: proxy CPU busy, % of CPU 0", _run_value("keepalive", "proxy_busy_percent"), 0, False),
    Row("Keep-alive: generator + backend busy, % of CPU 1", _run_value("keepalive", "cpu1_busy_percent"), 0, False),
    Row("Handshake: new mTLS connections/s (higher is better)", _run_value("handshake", "requests_per_s"), 0),
    Row("Handshake: latency p50, ms (lower is better)", _latency("handshake", "p50"), 2),
    Row("Handshake: latency p99, ms (lower is better)", _latency("handshake", "p99"), 2),
    Row("Handshake: latency max, ms (lower is better)", _latency("handshake", "max"), 2),
    Row("Handshake: proxy CPU per connection, µs (lower is better)",
        _run_value("handshake", "proxy_cpu_per_request_us"), 0),
    Row("Handshake: proxy CPU busy, % of CPU 0", _run_value("handshake", "proxy_busy_percent"), 0, False),
    Row("Handshake: generator + backend busy, % of CPU 1", _run_value("handshake", "cpu1_busy_percent"), 0, False),
    Row("Failed requests, all runs (expected 0)", _errors, 0, False),
    Row("Proxy peak RSS, MiB (lower is better)", _peak_rss_mib, 1),
]

COLUMNS = [("tollgate", "tollgate"), ("haproxy", "HAProxy"), ("nginx", "NGINX")]
RATIOS = [("haproxy", "tollgate/HAProxy"), ("nginx", "tollgate/NGINX")]


def _format(value: float | None, digits: int) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def _ratio(numerator: float | None, denominator: float | None) -> str:
    if numerator is None or denominator is None or denominator == 0:
        return "—"
    return f"{numerator / denominator:.2f}"


def markdown_table(proxies: dict[str, dict]) -> str:
    """Return the comparison table: one row per metric, one column per proxy, then the ratios
    tollgate/HAProxy and tollgate/NGINX. A proxy that was not measured shows "—"."""
    header = ["Metric"] + [label for _, label in COLUMNS] + [label for _, label in RATIOS]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" + "---:|" * (len(header) - 1)]
    for row in ROWS:
        values = {key: row.value(proxies[key]) if key in proxies else None for key, _ in COLUMNS}
        cells = [row.label] + [_format(values[key], row.digits) for key, _ in COLUMNS]
        for key, _ in RATIOS:
            cells.append(_ratio(values["tollgate"], values[key]) if row.with_ratio else "")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def tls_summary(proxies: dict[str, dict]) -> str:
    """Return one line per measured proxy with the TLS protocol and suite its runs negotiated."""
    lines = []
    for key, label in COLUMNS:
        result = proxies.get(key, {})
        run = result.get("handshake") or result.get("keepalive")
        if run is not None:
            lines.append(f"- {label}: {run['tls']['protocol']} {run['tls']['cipher']}")
    return "\n".join(lines)


def access_log_summary(proxies: dict[str, dict]) -> str:
    """Return one line per proxy with its access log's line count against the responses the
    generator received, and tollgate's warnings about dropped lines."""
    lines = []
    for key, label in COLUMNS:
        check = proxies.get(key, {}).get("access_log")
        if check is None:
            continue
        verdict = "match" if check["lines_match"] else "MISMATCH"
        handshakes = "logged" if check["rejected_handshakes_logged"] else "not logged"
        lines.append(f"- {label} access log: {check['lines']:,} lines ({check['bytes'] / MIB ** 3:,.2f} GiB), "
                     f"expected {check['lines_expected']:,}: {check['responses_received']:,} responses received "
                     f"and {check['rejected_handshakes']} rejected handshakes ({handshakes}): {verdict}")
        for warning in check["dropped_warnings"]:
            lines.append(f"  dropped: {warning}")
    return "\n".join(lines)
