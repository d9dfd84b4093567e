// Backend server groups (pools) and their backend servers (members). Calls GET/POST /pools,
// PUT/DELETE /pools/{id}, GET /loadbalancers, GET /listeners, and GET/POST
// /pools/{id}/members with PUT/DELETE /pools/{id}/members/{member_id}.

import { listAll, request } from "./api.js";
import { badge, button, dataTable, displayName, el, link } from "./dom.js";
import { confirmAction, formDialog } from "./forms.js";
import { renderLoadError, renderPage } from "./page.js";

const ALGORITHMS = [
    { value: "ROUND_ROBIN", label: "Weighted round robin (ROUND_ROBIN)" },
    { value: "LEAST_CONNECTIONS", label: "Weighted least connections (LEAST_CONNECTIONS)" },
    { value: "SOURCE_IP", label: "Source IP hash (SOURCE_IP)" },
];
const STATUS_KINDS = { ONLINE: "ok", OFFLINE: "danger", NO_MONITOR: "neutral" };

function choices(items, noneLabel) {
    return [{ value: "", label: noneLabel }, ...items.map((item) => ({ value: item.id, label: displayName(item) }))];
}

function poolFields(context, pool) {
    const current = pool || {};
    const fields = [
        { name: "name", label: "Name", value: current.name },
        { name: "lb_algorithm", label: "Load balancing algorithm", kind: "select", options: ALGORITHMS,
            value: current.lb_algorithm || "ROUND_ROBIN" },
        { name: "description", label: "Description", value: current.description },
    ];
    if (pool) {
        return fields;
    }
    const free = context.listeners.filter((listener) => !listener.default_pool_id);
    return [
        ...fields.slice(0, 2),
        { name: "protocol", label: "Backend protocol", kind: "select", options: [{ value: "HTTP", label: "HTTP" }] },
        { name: "loadbalancer_id", label: "Load balancer", kind: "select", options: choices(context.loadbalancers, "None") },
        { name: "listener_id", label: "Listener", kind: "select", options: choices(free, "None"),
            hint: "The group becomes the listener's default backend server group. Only listeners without one are listed." },
        fields[2],
    ];
}

function openPoolForm(page, context, pool, refresh) {
    formDialog(pool ? `Edit backend server group ${displayName(pool)}` : "Create backend server group", {
        resource: "pool",
        submitLabel: pool ? "Save" : "OK",
        fields: poolFields(context, pool),
        onSubmit: async (values) => {
            const body = { name: values.name, lb_algorithm: values.lb_algorithm, description: values.description };
            let saved;
            if (pool) {
                saved = (await request("PUT", `/pools/${encodeURIComponent(pool.id)}`, { pool: body })).pool;
            } else {
                body.protocol = values.protocol;
                if (values.loadbalancer_id) {
                    body.loadbalancer_id = values.loadbalancer_id;
                }
                if (values.listener_id) {
                    body.listener_id = values.listener_id;
                }
                saved = (await request("POST", "/pools", { pool: body })).pool;
            }
            await refresh();
            page.notify("info", `${pool ? "Saved" : "Created"} backend server group ${displayName(saved)}.`);
        },
    });
}

async function removePool(page, pool, after) {
    const name = displayName(pool);
    if (!await confirmAction("Delete backend server group", `Delete backend server group ${name}?`, "Delete")) {
        return;
    }
    try {
        await request("DELETE", `/pools/${encodeURIComponent(pool.id)}`);
    } catch (error) {
        page.notify("error", `Backend server group ${name} was not deleted: ${error.message}`);
        return;
    }
    await after();
    page.notify("info", `Deleted backend server group ${name}.`);
}

function names(items, references) {
    const list = references.map((reference) => {
        const found = items.find((item) => item.id === reference.id);
        return found ? displayName(found) : reference.id;
    });
    return list.length ? list.join(", ") : "—";
}

export async function render(main) {
    let page = null;
    let context = { loadbalancers: [], listeners: [] };
    const refresh = async () => {
        try {
            const [pools, loadbalancers, listeners] = await Promise.all([
                listAll("/pools", "pools"), listAll("/loadbalancers", "loadbalancers"), listAll("/listeners", "listeners")]);
            context = { loadbalancers, listeners };
            page.content.replaceChildren(dataTable("Backend server groups", [
                { label: "Name", render: (p) => link(displayName(p), `#/pools/${encodeURIComponent(p.id)}`) },
                { label: "Algorithm", render: (p) => p.lb_algorithm },
                { label: "Protocol", render: (p) => p.protocol },
                { label: "Load balancers", render: (p) => names(loadbalancers, p.loadbalancers) },
                { label: "Listeners", render: (p) => names(listeners, p.listeners) },
                { label: "Backend servers", render: (p) => String(p.members.length) },
                { label: "Actions", render: (p) => el("div", { className: "row-actions" },
                    button("Edit", () => openPoolForm(page, context, p, refresh), { "aria-label": `Edit backend server group ${displayName(p)}` }),
                    button("Delete", () => removePool(page, p, refresh), { "aria-label": `Delete backend server group ${displayName(p)}` })) },
            ], pools, "No backend server groups yet."));
            page.restoreFocus();
        } catch (error) {
            renderLoadError(page, error);
        }
    };
    page = renderPage(main, "Backend server groups",
        [button("Create backend server group", () => openPoolForm(page, context, null, refresh), { className: "primary" })]);
    await refresh();
}

function memberFields(member) {
    const current = member || {};
    return [
        { name: "name", label: "Name", value: current.name },
        { name: "address", label: "IP address", value: current.address, required: true, disabled: Boolean(member),
            hint: member ? "The address cannot change; add a new backend server instead." : "An IPv4 or IPv6 address." },
        { name: "protocol_port", label: "Backend port", kind: "number", min: 1, max: 65535, value: current.protocol_port, required: true },
        { name: "weight", label: "Weight", kind: "number", min: 0, max: 100, value: member ? current.weight : 1,
            hint: "0-100. A backend server with weight 0 gets no new requests." },
    ];
}

function openMemberForm(page, pool, member, refresh) {
    formDialog(member ? `Edit backend server ${displayName(member)}` : "Add backend server", {
        resource: "member",
        submitLabel: member ? "Save" : "OK",
        fields: memberFields(member),
        onSubmit: async (values) => {
            const body = { name: values.name };
            for (const key of ["protocol_port", "weight"]) {
                if (values[key] !== null) {
                    body[key] = values[key];
                }
            }
            const members = `/pools/${encodeURIComponent(pool.id)}/members`;
            let saved;
            if (member) {
                saved = (await request("PUT", `${members}/${encodeURIComponent(member.id)}`, { member: body })).member;
            } else {
                body.address = values.address.trim();
                saved = (await request("POST", members, { member: body })).member;
            }
            await refresh();
            page.notify("info", `${member ? "Saved" : "Added"} backend server ${saved.address}:${saved.protocol_port}.`);
        },
    });
}

async function removeMember(page, pool, member, refresh) {
    const name = `${member.address}:${member.protocol_port}`;
    if (!await confirmAction("Remove backend server", `Remove backend server ${name} from ${displayName(pool)}?`, "Remove")) {
        return;
    }
    try {
        await request("DELETE", `/pools/${encodeURIComponent(pool.id)}/members/${encodeURIComponent(member.id)}`);
    } catch (error) {
        page.notify("error", `Backend server ${name} was not removed: ${error.message}`);
        return;
    }
    await refresh();
    page.notify("info", `Removed backend server ${name}.`);
}

function membersTable(page, pool, members, refresh) {
    return dataTable("Backend servers", [
        { label: "Name", render: (m) => m.name || "—" },
        { label: "Address", render: (m) => m.address },
        { label: "Port", render: (m) => String(m.protocol_port) },
        { label: "Weight", render: (m) => String(m.weight) },
        { label: "Health", render: (m) => badge(m.operating_status, STATUS_KINDS[m.operating_status] || "neutral") },
        { label: "Actions", render: (m) => el("div", { className: "row-actions" },
            button("Edit", () => openMemberForm(page, pool, m, refresh), { "aria-label": `Edit backend server ${m.address}:${m.protocol_port}` }),
            button("Remove", () => removeMember(page, pool, m, refresh), { "aria-label": `Remove backend server ${m.address}:${m.protocol_port}` })) },
    ], members, "No backend servers yet. Add one to receive requests.");
}

export async function renderMembers(main, id) {
    let pool = null;
    let refresh = null;
    const page = renderPage(main, "Backend server group", [button("Refresh", () => refresh())]);
    const summary = el("dl", { className: "summary" });
    const membersBox = el("div");

    refresh = async () => {
        let members;
        try {
            [pool, members] = await Promise.all([
                request("GET", `/pools/${encodeURIComponent(id)}`).then((body) => body.pool),
                listAll(`/pools/${encodeURIComponent(id)}/members`, "members"),
            ]);
        } catch (error) {
            renderLoadError(page, error);
            return false;
        }
        page.heading.textContent = `Backend server group ${displayName(pool)}`;
        document.title = `${page.heading.textContent} · tollgate`;
        summary.replaceChildren(
            el("dt", {}, "ID"), el("dd", {}, pool.id),
            el("dt", {}, "Algorithm"), el("dd", {}, pool.lb_algorithm),
            el("dt", {}, "Protocol"), el("dd", {}, pool.protocol),
            el("dt", {}, "Description"), el("dd", {}, pool.description || "—"));
        membersBox.replaceChildren(membersTable(page, pool, members, refresh));
        page.restoreFocus();
        return true;
    };

    if (!await refresh()) {
        return;
    }
    page.content.append(
        summary,
        el("div", { className: "row-actions" },
            button("Edit backend server group", () => openPoolForm(page, null, pool, refresh)),
            button("Delete backend server group", () => removePool(page, pool, async () => {
                location.hash = "#/pools";
            }))),
        el("section", { "aria-labelledby": "members-heading" },
            el("div", { className: "section-head" }, el("h2", { id: "members-heading" }, "Backend servers"),
                button("Add backend server", () => openMemberForm(page, pool, null, refresh), { className: "primary" })),
            membersBox),
    );
}
