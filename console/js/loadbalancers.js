// Load balancers: the list, create, edit and delete. Calls GET/POST /loadbalancers and
// PUT/DELETE /loadbalancers/{id}. A load balancer's own page, with its listeners, is in
// listeners.js.

import { listAll, request } from "./api.js";
import { button, dataTable, displayName, el, formatTime, link } from "./dom.js";
import { confirmAction, formDialog } from "./forms.js";
import { renderLoadError, renderPage } from "./page.js";

export function loadbalancerFields(loadbalancer = {}) {
    return [
        { name: "name", label: "Name", value: loadbalancer.name },
        { name: "vip_address", label: "Address (vip_address)", value: loadbalancer.vip_address,
            hint: "The IPv4 or IPv6 address that the listeners bind. Leave it empty to bind 0.0.0.0." },
        { name: "description", label: "Description", value: loadbalancer.description },
        { name: "deletion_protection_enable", label: "Deletion protection", kind: "switch",
            value: loadbalancer.deletion_protection_enable },
    ];
}

export function loadbalancerBody(values) {
    return {
        name: values.name,
        vip_address: values.vip_address.trim() === "" ? null : values.vip_address.trim(),
        description: values.description,
        deletion_protection_enable: values.deletion_protection_enable,
    };
}

export function openEdit(page, loadbalancer, refresh) {
    formDialog(`Edit load balancer ${displayName(loadbalancer)}`, {
        resource: "loadbalancer",
        submitLabel: "Save",
        fields: loadbalancerFields(loadbalancer),
        onSubmit: async (values) => {
            await request("PUT", `/loadbalancers/${encodeURIComponent(loadbalancer.id)}`,
                { loadbalancer: loadbalancerBody(values) });
            await refresh();
            page.notify("info", `Saved load balancer ${values.name || loadbalancer.id}.`);
        },
    });
}

function openCreate(page, refresh) {
    formDialog("Create load balancer", {
        resource: "loadbalancer",
        submitLabel: "OK",
        fields: loadbalancerFields(),
        onSubmit: async (values) => {
            const body = loadbalancerBody(values);
            if (body.vip_address === null) {
                delete body.vip_address;
            }
            const created = (await request("POST", "/loadbalancers", { loadbalancer: body })).loadbalancer;
            await refresh();
            page.notify("info", `Created load balancer ${displayName(created)}. Open it to add listeners.`);
        },
    });
}

export async function removeLoadbalancer(page, loadbalancer, after) {
    const name = displayName(loadbalancer);
    if (!await confirmAction("Delete load balancer", `Delete load balancer ${name}?`, "Delete")) {
        return;
    }
    try {
        await request("DELETE", `/loadbalancers/${encodeURIComponent(loadbalancer.id)}`);
    } catch (error) {
        page.notify("error", `Load balancer ${name} was not deleted: ${error.message}`);
        return;
    }
    await after();
    page.notify("info", `Deleted load balancer ${name}.`);
}

export async function render(main) {
    let page = null;
    const refresh = async () => {
        try {
            const loadbalancers = await listAll("/loadbalancers", "loadbalancers");
            page.content.replaceChildren(dataTable("Load balancers", [
                { label: "Name", render: (lb) => link(displayName(lb), `#/loadbalancers/${encodeURIComponent(lb.id)}`) },
                { label: "Address", render: (lb) => lb.vip_address || "0.0.0.0 (every address)" },
                { label: "Listeners", render: (lb) => String(lb.listeners.length) },
                { label: "Status", render: (lb) => `${lb.provisioning_status} / ${lb.operating_status}` },
                { label: "Created", render: (lb) => formatTime(lb.created_at) },
                { label: "Actions", render: (lb) => el("div", { className: "row-actions" },
                    button("Edit", () => openEdit(page, lb, refresh), { "aria-label": `Edit load balancer ${displayName(lb)}` }),
                    button("Delete", () => removeLoadbalancer(page, lb, refresh),
                        { "aria-label": `Delete load balancer ${displayName(lb)}` })) },
            ], loadbalancers, "No load balancers yet."));
            page.restoreFocus();
        } catch (error) {
            renderLoadError(page, error);
        }
    };
    page = renderPage(main, "Load balancers",
        [button("Create load balancer", () => openCreate(page, refresh), { className: "primary" })]);
    await refresh();
}
