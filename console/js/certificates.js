// Certificates: the list with expiry and the listeners that use each certificate, Create
// Certificate, and delete. Calls GET/POST /certificates, DELETE /certificates/{id} and
// GET /listeners.

import { listAll, request } from "./api.js";
import { badge, button, dataTable, displayName, el, formatTime, link } from "./dom.js";
import { confirmAction, formDialog } from "./forms.js";
import { renderLoadError, renderPage } from "./page.js";

const DAY_MS = 24 * 60 * 60 * 1000;
// The API warns about certificates that expire within 30 days; the list highlights the same.
const EXPIRY_WARNING_DAYS = 30;

export const TYPE_LABELS = { server: "Server certificate", client: "CA certificate" };

function expiry(certificate) {
    const notAfter = Date.parse(certificate.expire_time);
    const date = formatTime(certificate.expire_time);
    if (Number.isNaN(notAfter)) {
        return certificate.expire_time || "";
    }
    const days = Math.floor((notAfter - Date.now()) / DAY_MS);
    if (notAfter <= Date.now()) {
        return el("span", { className: "expiry expired" }, badge("Expired", "danger"), ` ${date}`);
    }
    if (days <= EXPIRY_WARNING_DAYS) {
        const left = days === 0 ? "Expires today" : `Expires in ${days} day${days === 1 ? "" : "s"}`;
        return el("span", { className: "expiry expiring" }, badge(left, "warning"), ` ${date}`);
    }
    return el("span", { className: "expiry" }, date);
}

function subject(certificate) {
    const names = certificate.subject_alternative_names || [];
    return el("div", {},
        certificate.domain ? el("div", {}, certificate.domain) : null,
        el("div", { className: "secondary" }, certificate.subject || certificate.common_name || ""),
        names.length ? el("div", { className: "secondary" }, `SAN: ${names.join(", ")}`) : null);
}

// Returns, for each certificate id, the listeners that refer to it and in which field.
function usersById(listeners) {
    const users = new Map();
    const add = (id, listener, role) => {
        if (!id) {
            return;
        }
        if (!users.has(id)) {
            users.set(id, []);
        }
        users.get(id).push({ listener, role });
    };
    for (const listener of listeners) {
        add(listener.default_tls_container_ref, listener, "server certificate");
        add(listener.client_ca_tls_container_ref, listener, "CA certificate");
    }
    return users;
}

function usedBy(users) {
    if (!users || users.length === 0) {
        return el("span", { className: "secondary" }, "Not used");
    }
    return el("ul", { className: "plain" }, users.map(({ listener, role }) =>
        el("li", {}, link(displayName(listener), `#/loadbalancers/${encodeURIComponent(listener.loadbalancer_id)}`),
            el("span", { className: "secondary" }, ` (${role})`))));
}

function warnings(certificate) {
    const list = certificate.warnings || [];
    if (list.length === 0) {
        return "";
    }
    return el("details", { className: "warnings" },
        el("summary", {}, `${list.length} warning${list.length === 1 ? "" : "s"}`),
        el("ul", {}, list.map((warning) => el("li", {}, warning))));
}

function certificateFields() {
    const isServer = (values) => values.type === "server";
    return [
        { name: "name", label: "Name" },
        { name: "type", label: "Certificate type", kind: "radios", value: "server",
            options: [{ value: "server", label: TYPE_LABELS.server }, { value: "client", label: TYPE_LABELS.client }] },
        { name: "certificate", label: "Certificate content", kind: "textarea", required: true,
            placeholder: "-----BEGIN CERTIFICATE-----",
            hint: "PEM text. For a server certificate, the certificate first, then its intermediate CA certificates.",
            upload: { label: "Or load the certificate from a file", accept: ".crt,.pem,.cer,.txt" } },
        { name: "private_key", label: "Private key", kind: "textarea", required: true, visibleWhen: isServer,
            placeholder: "-----BEGIN PRIVATE KEY-----", hint: "PEM text of the key generated with the certificate.",
            upload: { label: "Or load the key from a file", accept: ".key,.pem,.txt" } },
        { name: "domain", label: "Domain name", hint: "Optional. Host names separated by commas, without spaces." },
        { name: "description", label: "Description" },
    ];
}

function certificateBody(values) {
    const body = { name: values.name, type: values.type, certificate: values.certificate };
    if (values.type === "server") {
        body.private_key = values.private_key;
    }
    if (values.domain) {
        body.domain = values.domain;
    }
    if (values.description) {
        body.description = values.description;
    }
    return body;
}

function openCreate(page, refresh) {
    formDialog("Create Certificate", {
        resource: "certificate",
        submitLabel: "OK",
        fields: certificateFields(),
        onSubmit: async (values) => {
            const created = (await request("POST", "/certificates", { certificate: certificateBody(values) })).certificate;
            await refresh();
            const list = created.warnings || [];
            if (list.length) {
                page.notify("warning", `Created certificate ${displayName(created)}. The server reported ${list.length} ` +
                    `warning${list.length === 1 ? "" : "s"}:`, list);
            } else {
                page.notify("info", `Created certificate ${displayName(created)}.`);
            }
        },
    });
}

async function remove(page, certificate, refresh) {
    const name = displayName(certificate);
    if (!await confirmAction("Delete certificate", `Delete certificate ${name}?`, "Delete")) {
        return;
    }
    try {
        await request("DELETE", `/certificates/${encodeURIComponent(certificate.id)}`);
    } catch (error) {
        page.notify("error", `Certificate ${name} was not deleted: ${error.message}`);
        return;
    }
    await refresh();
    page.notify("info", `Deleted certificate ${name}.`);
}

export async function render(main) {
    let page = null;
    const refresh = async () => {
        try {
            const [certificates, listeners] = await Promise.all([
                listAll("/certificates", "certificates"), listAll("/listeners", "listeners")]);
            const users = usersById(listeners);
            page.content.replaceChildren(dataTable("Certificates", [
                { label: "Name", render: (c) => el("span", { className: "name" }, displayName(c)) },
                { label: "Type", render: (c) => TYPE_LABELS[c.type] || c.type },
                { label: "Domain / subject", render: subject },
                { label: "Expires", render: expiry },
                { label: "Used by", render: (c) => usedBy(users.get(c.id)) },
                { label: "Warnings", render: warnings },
                { label: "Actions", render: (c) => button("Delete", () => remove(page, c, refresh),
                    { "aria-label": `Delete certificate ${displayName(c)}` }) },
            ], certificates, "No certificates yet. Create the server certificate and the CA certificate first."));
            page.restoreFocus();
        } catch (error) {
            renderLoadError(page, error);
        }
    };
    page = renderPage(main, "Certificates", [button("Create Certificate", () => openCreate(page, refresh), { className: "primary" })]);
    await refresh();
}
