// Line charts drawn as SVG through DOM calls, so they need no library and no inline style.
// Each chart has a title, a text summary, a legend, a table of its values and, for tests and
// other tools, its data as JSON in the figure's data-series attribute.

import { el, uniqueId } from "./dom.js";

const SVG = "http://www.w3.org/2000/svg";
const HEIGHT = 180;
const MARGIN = { left: 44, right: 12, top: 10, bottom: 24 };
// console.css has a colour for each of .series-0 to .series-7.
const COLOURS = 8;

function svg(tag, attributes = {}, text = null) {
    const element = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attributes)) {
        element.setAttribute(name, String(value));
    }
    if (text !== null) {
        element.textContent = text;
    }
    return element;
}

// Formats a value with three significant digits, and values of 100 and more as integers.
export function formatNumber(value) {
    if (value === null || value === undefined) {
        return "no data";
    }
    if (Math.abs(value) >= 100) {
        return String(Math.round(value));
    }
    return String(Number(value.toPrecision(3)));
}

// Returns the smallest of 1, 2 and 5 times a power of ten that is at least `value`, and 1 for 0.
function niceCeiling(value) {
    if (!(value > 0)) {
        return 1;
    }
    const power = 10 ** Math.floor(Math.log10(value));
    for (const step of [1, 2, 5, 10]) {
        if (step * power >= value) {
            return step * power;
        }
    }
    return 10 * power;
}

export function lastValue(points) {
    for (let i = points.length - 1; i >= 0; i -= 1) {
        if (points[i][1] !== null) {
            return points[i][1];
        }
    }
    return null;
}

function statistics(points) {
    const values = points.map((point) => point[1]).filter((value) => value !== null);
    if (values.length === 0) {
        return { now: null, average: null, maximum: null };
    }
    const sum = values.reduce((total, value) => total + value, 0);
    return { now: lastValue(points), average: sum / values.length, maximum: Math.max(...values) };
}

// A line chart. `name` goes into data-chart, `title` is the heading and `unit` names the
// values (e.g. "requests/s"). update() redraws it with new series.
export class LineChart {
    constructor(name, title, unit) {
        this.title = title;
        this.unit = unit;
        this.data = { series: [], startTime: 0, endTime: 0, summary: "No data yet.", emptyText: "No data yet." };
        const titleId = uniqueId("chart-title");
        this.summary = el("p", { className: "chart-summary" }, "No data yet.");
        this.plot = el("div", { className: "chart-plot" });
        this.legend = el("ul", { className: "chart-legend" });
        this.table = el("div", { className: "chart-table" });
        this.element = el("figure", { className: "chart", "data-chart": name, "aria-labelledby": titleId },
            el("h3", { id: titleId }, title), this.summary, this.plot, this.legend,
            el("details", {}, el("summary", {}, "Values"), this.table));
        // The plot's width follows the window, so the SVG is redrawn at its new size.
        this.resizeObserver = new ResizeObserver(() => this.draw());
        this.resizeObserver.observe(this.plot);
    }

    // Replaces the chart's data and redraws it. Each of `series` is {name, label, points:
    // [[time ms, value or null]], total (optional)}. `summary` is the text under the title, and
    // `emptyText` replaces the lines when there is no series.
    update({ series, startTime, endTime, summary, emptyText = "No data yet." }) {
        this.data = { series, startTime, endTime, summary, emptyText };
        this.element.dataset.series = JSON.stringify({
            unit: this.unit,
            start: startTime,
            end: endTime,
            series: series.map((item) => ({ name: item.name, label: item.label, points: item.points,
                ...(item.total !== undefined ? { total: item.total } : {}) })),
        });
        this.summary.textContent = summary;
        this.legend.replaceChildren(...series.map((item, index) =>
            el("li", {}, el("span", { className: `swatch series-${index % COLOURS}`, "aria-hidden": "true" }),
                item.label)));
        // A single series named like the chart needs no legend.
        this.legend.hidden = series.length === 0 || (series.length === 1 && series[0].label === this.title);
        this.table.replaceChildren(this.buildTable());
        this.draw();
    }

    buildTable() {
        const { series, emptyText } = this.data;
        if (series.length === 0) {
            return el("p", { className: "empty" }, emptyText);
        }
        const withTotal = series.some((item) => item.total !== undefined);
        const headings = ["Series", `Now (${this.unit})`, "Average", "Maximum", withTotal ? "Total" : null];
        const rows = series.map((item) => {
            const stats = statistics(item.points);
            const cells = [item.label, formatNumber(stats.now), formatNumber(stats.average), formatNumber(stats.maximum)];
            if (withTotal) {
                cells.push(item.total === undefined ? "" : formatNumber(item.total));
            }
            return el("tr", {}, el("th", { scope: "row" }, cells[0]), cells.slice(1).map((cell) => el("td", {}, cell)));
        });
        return el("table", { className: "values" },
            el("caption", { className: "visually-hidden" }, this.title),
            el("thead", {}, el("tr", {}, headings.filter(Boolean).map((text) => el("th", { scope: "col" }, text)))),
            el("tbody", {}, rows));
    }

    draw() {
        const { series, startTime, endTime, summary, emptyText } = this.data;
        const width = Math.max(this.plot.clientWidth, 200);
        const image = svg("svg", { viewBox: `0 0 ${width} ${HEIGHT}`, width, height: HEIGHT, role: "img",
            "aria-label": `${this.title}: ${summary}` });
        const left = MARGIN.left;
        const right = width - MARGIN.right;
        const top = MARGIN.top;
        const bottom = HEIGHT - MARGIN.bottom;
        const span = Math.max(endTime - startTime, 1);
        const values = series.flatMap((item) => item.points.map((point) => point[1])).filter((v) => v !== null);
        const yMax = niceCeiling(values.length ? Math.max(...values) : 0);
        const x = (time) => left + ((time - startTime) / span) * (right - left);
        const y = (value) => bottom - (value / yMax) * (bottom - top);

        for (const fraction of [0, 0.5, 1]) {
            const value = yMax * fraction;
            image.append(svg("line", { class: "grid", x1: left, x2: right, y1: y(value), y2: y(value) }));
            image.append(svg("text", { class: "axis", x: left - 6, y: y(value) + 4, "text-anchor": "end" },
                formatNumber(value)));
        }
        const minutes = Math.round(span / 60000);
        image.append(svg("text", { class: "axis", x: left, y: HEIGHT - 6, "text-anchor": "start" }, `${minutes} min ago`));
        image.append(svg("text", { class: "axis", x: right, y: HEIGHT - 6, "text-anchor": "end" }, "now"));

        if (series.length === 0) {
            image.append(svg("text", { class: "axis empty-chart", x: (left + right) / 2, y: (top + bottom) / 2,
                "text-anchor": "middle" }, emptyText));
        }
        series.forEach((item, index) => {
            const colour = `series-${index % COLOURS}`;
            const path = item.points.reduce((text, [time, value], i) => {
                if (value === null) {
                    return text;
                }
                const previous = i > 0 ? item.points[i - 1][1] : null;
                return `${text}${previous === null ? "M" : "L"}${x(time).toFixed(1)},${y(value).toFixed(1)} `;
            }, "");
            if (path) {
                image.append(svg("path", { class: `line ${colour}`, d: path.trim() }));
            }
            const last = [...item.points].reverse().find((point) => point[1] !== null);
            if (last) {
                image.append(svg("circle", { class: `dot ${colour}`, cx: x(last[0]), cy: y(last[1]), r: 3 }));
            }
        });
        this.plot.replaceChildren(image);
    }

    disconnect() {
        this.resizeObserver.disconnect();
    }
}
