// A parser of the Prometheus text exposition format 0.0.4, the format of tollgate's /metrics.
// It reads `# HELP` and `# TYPE` lines, ignores other comments and blank lines, and reads
// samples with their labels, escaped label values and optional timestamps.

// A line that does not follow the format. `line` is its 1-based number.
export class PrometheusParseError extends Error {
    constructor(line, message) {
        super(`line ${line}: ${message}`);
        this.line = line;
    }
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const FULL_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);

// Parses the text of one scrape. Returns {families, samples}: `families` maps a metric name
// to {name, type, help}, and `samples` lists {name, labels, value, timestamp} in the order of
// the text, with `labels` a plain object and `timestamp` in milliseconds or null.
// Throws PrometheusParseError on the first malformed line.
export function parsePrometheusText(text) {
    const families = new Map();
    const samples = [];
    const lines = text.split("\n");
    lines.forEach((raw, index) => {
        const line = raw.trim();
        const number = index + 1;
        if (line === "") {
            return;
        }
        if (line.startsWith("#")) {
            parseComment(line, number, families);
            return;
        }
        samples.push(parseSample(line, number));
    });
    return { families, samples };
}

function family(families, name) {
    if (!families.has(name)) {
        families.set(name, { name, type: "untyped", help: "" });
    }
    return families.get(name);
}

function parseComment(line, number, families) {
    const keyword = line.slice(1).trim().split(/\s/, 1)[0];
    if (keyword !== "HELP" && keyword !== "TYPE") {
        return;
    }
    // The HELP text keeps its inner spaces, so it is cut from the line, not split into words.
    const match = /^#\s*(?:HELP|TYPE)\s+(\S+)(?:\s+(.*))?$/.exec(line);
    if (!match || !FULL_NAME.test(match[1])) {
        throw new PrometheusParseError(number, `missing or invalid metric name after # ${keyword}`);
    }
    const entry = family(families, match[1]);
    const text = match[2] ?? "";
    if (keyword === "HELP") {
        entry.help = unescape(text, false, number);
    } else {
        if (!TYPES.has(text)) {
            throw new PrometheusParseError(number, `unknown metric type "${text}" in # TYPE ${match[1]}`);
        }
        entry.type = text;
    }
}

// Replaces \\ and \n, and \" in label values, by the characters they stand for. The format
// defines no other escape, so any other backslash sequence is an error.
function unescape(text, quoteToo, number) {
    let result = "";
    for (let i = 0; i < text.length; i += 1) {
        const c = text[i];
        if (c !== "\\") {
            result += c;
            continue;
        }
        const next = text[i + 1];
        if (next === "\\") {
            result += "\\";
        } else if (next === "n") {
            result += "\n";
        } else if (next === "\"" && quoteToo) {
            result += "\"";
        } else if (!quoteToo) {
            // HELP text keeps any other backslash as it is.
            result += "\\";
            continue;
        } else {
            throw new PrometheusParseError(number, `invalid escape sequence "\\${next ?? ""}" in a label value`);
        }
        i += 1;
    }
    return result;
}

function parseSample(line, number) {
    const nameMatch = NAME.exec(line);
    if (!nameMatch) {
        throw new PrometheusParseError(number, "a sample must start with a metric name");
    }
    const name = nameMatch[0];
    let rest = line.slice(name.length).trimStart();
    let labels = {};
    if (rest.startsWith("{")) {
        const parsed = parseLabels(rest, number);
        labels = parsed.labels;
        rest = rest.slice(parsed.length).trimStart();
    }
    const fields = rest.split(/\s+/).filter(Boolean);
    if (fields.length < 1 || fields.length > 2) {
        throw new PrometheusParseError(number, `expected a value and an optional timestamp after ${name}`);
    }
    const value = parseValue(fields[0], number);
    let timestamp = null;
    if (fields.length === 2) {
        if (!/^-?\d+$/.test(fields[1])) {
            throw new PrometheusParseError(number, `invalid timestamp "${fields[1]}"`);
        }
        timestamp = Number(fields[1]);
    }
    return { name, labels, value, timestamp };
}

// Reads `{name="value",...}` at the start of `text` and returns the labels and the number of characters read.
function parseLabels(text, number) {
    const labels = {};
    let i = 1;
    const skipSpaces = () => {
        while (text[i] === " " || text[i] === "\t") {
            i += 1;
        }
    };
    for (;;) {
        skipSpaces();
        if (text[i] === "}") {
            return { labels, length: i + 1 };
        }
        const nameMatch = LABEL_NAME.exec(text.slice(i));
        if (!nameMatch) {
            throw new PrometheusParseError(number, "expected a label name or } in the label set");
        }
        const labelName = nameMatch[0];
        i += labelName.length;
        skipSpaces();
        if (text[i] !== "=" || text[i + 1] !== "\"") {
            throw new PrometheusParseError(number, `expected ="..." after the label name ${labelName}`);
        }
        i += 2;
        const start = i;
        while (i < text.length && text[i] !== "\"") {
            i += text[i] === "\\" ? 2 : 1;
        }
        if (i >= text.length) {
            throw new PrometheusParseError(number, `the value of label ${labelName} has no closing quote`);
        }
        if (Object.hasOwn(labels, labelName)) {
            throw new PrometheusParseError(number, `label ${labelName} appears twice`);
        }
        labels[labelName] = unescape(text.slice(start, i), true, number);
        i += 1;
        skipSpaces();
        if (text[i] === ",") {
            i += 1;
        } else if (text[i] !== "}") {
            throw new PrometheusParseError(number, `expected , or } after the value of label ${labelName}`);
        }
    }
}

function parseValue(token, number) {
    const lower = token.toLowerCase();
    if (/^[+]?inf(inity)?$/.test(lower)) {
        return Infinity;
    }
    if (/^-inf(inity)?$/.test(lower)) {
        return -Infinity;
    }
    if (lower === "nan") {
        return NaN;
    }
    if (!FLOAT.test(token)) {
        throw new PrometheusParseError(number, `invalid sample value "${token}"`);
    }
    return Number(token);
}
