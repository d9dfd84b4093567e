// A load balancer's page: its listeners with Add Listener, edit and delete, and its backend
// server groups. Calls GET /loadbalancers/{id}, GET /listeners?loadbalancer_id={id},
// GET /certificates, GET /pools, POST /listeners and PUT/DELETE /listeners/{id}.

import { listAll, request } from "./api.js";
import { badge, button, dataTable, displayName, el, link } from "./dom.js";
import { confirmAction, formDialog } from "./forms.js";
import { openEdit as editLoadbalancer, removeLoadbalancer } from "./loadbalancers.js";
import { renderLoadError, renderPage } from "./page.js";

const TIMEOUTS = [
    { name: "keepalive_timeout", label: "Idle timeout (s)", hint: "keepalive_timeout: seconds an idle client connection stays open." },
    { name: "client_timeout", label: "Request timeout (s)", hint: "client_timeout: seconds to receive a request from the client." },
    { name: "member_timeout", label: "Response timeout (s)", hint: "member_timeout: seconds to wait for a backend server's response." },
];

function options(items, noneLabel) {
    const list = items.map((item) => ({ value: item.id, label: displayName(item) }));
    return noneLabel ? [{ value: "", label: noneLabel }, ...list] : list;
}

function listenerFields(context, listener) {
    const editing = Boolean(listener);
    const current = listener || {};
    const https = (values) => values.protocol === "HTTPS";
    const mutual = (values) => https(values) && values.mutual_authentication;
    const caRef = current.client_ca_tls_container_ref;
    return [
        { name: "name", label: "Name", value: current.name },
        { name: "protocol", label: "Frontend protocol", kind: "select", value: current.protocol || "HTTPS",
            disabled: editing, hint: editing ? "The protocol cannot change after creation." : null,
            options: [{ value: "HTTPS", label: "HTTPS" }, { value: "HTTP", label: "HTTP" }] },
        { name: "protocol_port", label: "Frontend port", kind: "number", min: 1, max: 65535, value: current.protocol_port,
            required: true, disabled: editing, hint: editing ? "The port cannot change after creation." : "1-65535" },
        { name: "default_tls_container_ref", label: "Server certificate", kind: "select", visibleWhen: https,
            value: current.default_tls_container_ref || "", required: true,
            options: options(context.certificates.filter((c) => c.type === "server"), "Choose a server certificate") },
        { name: "mutual_authentication", label: "Mutual authentication", kind: "switch", visibleWhen: https,
            value: editing ? current.client_authentication !== "none" && Boolean(caRef) : false,
            hint: "Clients must present a certificate issued by the CA certificate." },
        { name: "client_ca_tls_container_ref", label: "CA certificate", kind: "select", visibleWhen: mutual, value: caRef || "",
            options: options(context.certificates.filter((c) => c.type === "client"), "Choose a CA certificate") },
        { name: "client_authentication", label: "Client certificate", kind: "select", visibleWhen: mutual,
            value: current.client_authentication === "optional" ? "optional" : "mandatory",
            options: [{ value: "mandatory", label: "Required (mandatory)" },
                { value: "optional", label: "Verified when sent (optional)" }] },
        { name: "default_pool_id", label: "Default backend server group", kind: "select", value: current.default_pool_id || "",
            options: options(context.pools, "None (requests get 503)") },
        ...TIMEOUTS.map((timeout) => ({ ...timeout, kind: "number", min: 1, value: editing ? current[timeout.name] : 60 })),
    ];
}

// Builds the request object from the form. On create an empty choice is left out, so the
// API's message names the missing field. On update it is null, which clears the field.
function listenerBody(values, loadbalancer, editing) {
    const empty = editing ? null : undefined;
    const body = { name: values.name, default_pool_id: values.default_pool_id || empty };
    for (const timeout of TIMEOUTS) {
        if (values[timeout.name] !== null) {
            body[timeout.name] = values[timeout.name];
        }
    }
    if (!editing) {
        Object.assign(body, { loadbalancer_id: loadbalancer.id, protocol: values.protocol });
        if (values.protocol_port !== null) {
            body.protocol_port = values.protocol_port;
        }
    }
    if (values.protocol === "HTTPS") {
        body.default_tls_container_ref = values.default_tls_container_ref || empty;
        if (values.mutual_authentication) {
            body.client_ca_tls_container_ref = values.client_ca_tls_container_ref || empty;
            body.client_authentication = values.client_authentication;
        } else if (editing) {
            body.client_ca_tls_container_ref = null;
            body.client_authentication = "none";
        }
    }
    for (const key of Object.keys(body)) {
        if (body[key] === undefined) {
            delete body[key];
        }
    }
    return body;
}

function openListenerForm(page, context, listener, refresh) {
    const editing = Boolean(listener);
    formDialog(editing ? `Edit listener ${displayName(listener)}` : "Add Listener", {
        resource: "listener",
        submitLabel: editing ? "Save" : "OK",
        fields: listenerFields(context, listener),
        onSubmit: async (values) => {
            const body = { listener: listenerBody(values, context.loadbalancer, editing) };
            const saved = editing
                ? (await request("PUT", `/listeners/${encodeURIComponent(listener.id)}`, body)).listener
                : (await request("POST", "/listeners", body)).listener;
            await refresh();
            page.notify("info", `${editing ? "Saved" : "Added"} listener ${displayName(saved)} on port ${saved.protocol_port}.`);
        },
    });
}

async function removeListener(page, listener, refresh) {
    const name = displayName(listener);
    if (!await confirmAction("Delete listener", `Delete listener ${name}? Its port closes at once.`, "Delete")) {
        return;
    }
    try {
        await request("DELETE", `/listeners/${encodeURIComponent(listener.id)}`);
    } catch (error) {
        page.notify("error", `Listener ${name} was not deleted: ${error.message}`);
        return;
    }
    await refresh();
    page.notify("info", `Deleted listener ${name}.`);
}

function nameOf(items, id) {
    const found = items.find((item) => item.id === id);
    return found ? displayName(found) : id;
}

function mutualCell(context, listener) {
    if (listener.protocol !== "HTTPS" || listener.client_authentication === "none") {
        return badge("Off", "neutral");
    }
    return el("span", {}, badge("On", "ok"),
        ` ${nameOf(context.certificates, listener.client_ca_tls_container_ref)} (${listener.client_authentication})`);
}

function listenersTable(page, context, refresh) {
    const address = context.loadbalancer.vip_address || "0.0.0.0";
    const host = address.includes(":") ? `[${address}]` : address;
    return dataTable("Listeners", [
        { label: "Name", render: (l) => el("span", { className: "name" }, displayName(l)) },
        { label: "Frontend", render: (l) => `${l.protocol.toLowerCase()}://${host}:${l.protocol_port}/` },
        { label: "Server certificate", render: (l) => l.default_tls_container_ref
            ? nameOf(context.certificates, l.default_tls_container_ref) : "" },
        { label: "Mutual authentication", render: (l) => mutualCell(context, l) },
        { label: "Default backend server group", render: (l) => l.default_pool_id
            ? link(nameOf(context.pools, l.default_pool_id), `#/pools/${encodeURIComponent(l.default_pool_id)}`)
            : badge("None", "warning") },
        { label: "Timeouts", render: (l) => `idle ${l.keepalive_timeout} s, request ${l.client_timeout} s, response ${l.member_timeout} s` },
        { label: "Actions", render: (l) => el("div", { className: "row-actions" },
            button("Edit", () => openListenerForm(page, context, l, refresh), { "aria-label": `Edit listener ${displayName(l)}` }),
            button("Delete", () => removeListener(page, l, refresh), { "aria-label": `Delete listener ${displayName(l)}` })) },
    ], context.listeners, "No listeners yet. Add one to accept connections.");
}

function poolsOf(context) {
    const id = context.loadbalancer.id;
    return context.pools.filter((pool) => pool.loadbalancer_id === id || pool.loadbalancers.some((lb) => lb.id === id));
}

async function loadContext(id) {
    const path = `/loadbalancers/${encodeURIComponent(id)}`;
    const [loadbalancer, listeners, certificates, pools] = await Promise.all([
        request("GET", path).then((body) => body.loadbalancer),
        listAll("/listeners", "listeners", { loadbalancer_id: id }),
        listAll("/certificates", "certificates"),
        listAll("/pools", "pools"),
    ]);
    // A pool can serve this load balancer's listeners when it belongs to no other one.
    const usable = pools.filter((pool) => !pool.loadbalancer_id || pool.loadbalancer_id === id);
    return { loadbalancer, listeners, certificates, pools, usable };
}

function summaryItems(lb) {
    return [
        el("dt", {}, "ID"), el("dd", {}, lb.id),
        el("dt", {}, "Address"), el("dd", {}, lb.vip_address || "0.0.0.0 (every address)"),
        el("dt", {}, "Status"), el("dd", {}, `${lb.provisioning_status} / ${lb.operating_status}`),
        el("dt", {}, "Description"), el("dd", {}, lb.description || "—"),
    ];
}

export async function render(main, id) {
    const page = renderPage(main, "Load balancer");
    const summary = el("dl", { className: "summary" });
    const listenersBox = el("div");
    const poolsBox = el("div");
    let context = null;
    let formContext = null;

    const refresh = async () => {
        try {
            context = await loadContext(id);
        } catch (error) {
            renderLoadError(page, error);
            return false;
        }
        const lb = context.loadbalancer;
        page.heading.textContent = `Load balancer ${displayName(lb)}`;
        document.title = `${page.heading.textContent} · tollgate`;
        formContext = { ...context, pools: context.usable };
        summary.replaceChildren(...summaryItems(lb));
        listenersBox.replaceChildren(listenersTable(page, formContext, refresh));
        poolsBox.replaceChildren(dataTable("Backend server groups", [
            { label: "Name", render: (p) => link(displayName(p), `#/pools/${encodeURIComponent(p.id)}`) },
            { label: "Algorithm", render: (p) => p.lb_algorithm },
            { label: "Backend servers", render: (p) => String(p.members.length) },
        ], poolsOf(context), "No backend server groups for this load balancer yet."));
        page.restoreFocus();
        return true;
    };

    if (!await refresh()) {
        return;
    }
    page.content.append(
        summary,
        el("div", { className: "row-actions" },
            button("Edit load balancer", () => editLoadbalancer(page, context.loadbalancer, refresh)),
            button("Delete load balancer", () => removeLoadbalancer(page, context.loadbalancer, async () => {
                location.hash = "#/loadbalancers";
            }))),
        el("section", { "aria-labelledby": "listeners-heading" },
            el("div", { className: "section-head" }, el("h2", { id: "listeners-heading" }, "Listeners"),
                button("Add Listener", () => openListenerForm(page, formContext, null, refresh), { className: "primary" })),
            listenersBox),
        el("section", { "aria-labelledby": "pools-heading" },
            el("h2", { id: "pools-heading" }, "Backend server groups"), poolsBox),
    );
}
