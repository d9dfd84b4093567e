// Small DOM helpers shared by the pages. Text always goes in as text nodes, never as HTML,
// so names and messages from the API cannot inject markup.

// Creates an element. `attributes` sets event listeners for on* functions, the properties
// `className`, `hidden`, `disabled`, `checked` and `value`, and attributes for every other
// name. Children are nodes or text.
export function el(tag, attributes = {}, ...children) {
    const element = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
        if (value === undefined || value === null || value === false) {
            continue;
        }
        if (name.startsWith("on") && typeof value === "function") {
            element.addEventListener(name.slice(2), value);
        } else if (["className", "hidden", "disabled", "checked", "value"].includes(name)) {
            element[name] = value;
        } else {
            element.setAttribute(name, value === true ? "" : String(value));
        }
    }
    append(element, children);
    return element;
}

function append(element, children) {
    for (const child of children.flat()) {
        if (child === undefined || child === null || child === false) {
            continue;
        }
        element.append(child instanceof Node ? child : String(child));
    }
}

let nextId = 0;

// Returns a document-unique id for label and aria-describedby references.
export function uniqueId(prefix) {
    nextId += 1;
    return `${prefix}-${nextId}`;
}

export function button(label, onclick, attributes = {}) {
    return el("button", { type: "button", onclick, ...attributes }, label);
}

export function link(label, hash) {
    return el("a", { href: hash }, label);
}

// Formats an ISO 8601 UTC time as "2026-12-05 01:00 UTC".
export function formatTime(iso) {
    if (!iso) {
        return "";
    }
    return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

// Returns the name of a resource, or its id when it has no name.
export function displayName(resource) {
    return resource.name ? resource.name : resource.id;
}

// Builds a table whose cells carry their column name, for the stacked layout of narrow windows.
// `columns` are [{label, render(row) -> node or text}].
export function dataTable(caption, columns, rows, emptyText) {
    if (rows.length === 0) {
        return el("p", { className: "empty" }, emptyText);
    }
    const head = el("tr", {}, columns.map((column) => el("th", { scope: "col" }, column.label)));
    const body = rows.map((row) =>
        el("tr", {}, columns.map((column) => el("td", { "data-label": column.label }, column.render(row)))));
    return el("div", { className: "table-wrap" },
        el("table", { className: "data" }, el("caption", { className: "visually-hidden" }, caption),
            el("thead", {}, head), el("tbody", {}, body)));
}

// Builds a status badge. `kind` picks its colour, and the text states the same in words.
export function badge(text, kind) {
    return el("span", { className: `badge badge-${kind}` }, text);
}
