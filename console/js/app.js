// Entry point: sign-in, navigation and the hash routes of the pages (#/certificates, ...).
// The hash keeps every page on the one URL "/" that the server serves.

import { DEFAULT_PROJECT, onUnauthorized, request, session } from "./api.js";
import { closeDialogs, Form } from "./forms.js";
import { renderPage } from "./page.js";
import * as certificates from "./certificates.js";
import * as dashboard from "./dashboard.js";
import * as listeners from "./listeners.js";
import * as loadbalancers from "./loadbalancers.js";
import * as pools from "./pools.js";

const routes = [
    { pattern: /^\/dashboard$/, nav: "dashboard", render: dashboard.render },
    { pattern: /^\/certificates$/, nav: "certificates", render: certificates.render },
    { pattern: /^\/loadbalancers$/, nav: "loadbalancers", render: loadbalancers.render },
    { pattern: /^\/loadbalancers\/([^/]+)$/, nav: "loadbalancers", render: listeners.render },
    { pattern: /^\/pools$/, nav: "pools", render: pools.render },
    { pattern: /^\/pools\/([^/]+)$/, nav: "pools", render: pools.renderMembers },
];
const DEFAULT_ROUTE = "#/dashboard";

const main = document.getElementById("main");
const nav = document.getElementById("nav");
const signOutButton = document.getElementById("sign-out");
const projectLabel = document.getElementById("project");
let signInMessage = "";
// Pages render asynchronously into elements they create, so a page that finishes loading after
// the user moved on writes only to detached elements. The count keeps the focus on the newest page.
let renderCount = 0;

function showSignIn() {
    nav.hidden = true;
    signOutButton.hidden = true;
    projectLabel.textContent = "";
    const page = renderPage(main, "Sign in", [],
        "Paste the admin token from DATA_DIR/admin-token of the tollgate server. " +
        "It stays in this browser tab only, until you sign out or close the tab.");
    const form = new Form({
        resource: "console",
        submitLabel: "Sign in",
        fields: [
            { name: "token", label: "Admin token", kind: "password", autocomplete: "off", required: true },
            { name: "project", label: "Project", value: session.project || DEFAULT_PROJECT,
                hint: "The project_id of the API paths, /v3/{project_id}/elb/..." },
        ],
        onSubmit: async (values) => {
            session.signIn(values.token.trim(), values.project.trim());
            try {
                await request("GET", "/loadbalancers?limit=1", undefined, { signIn: true });
            } catch (error) {
                session.signOut();
                if (error.status === 401) {
                    form.field("token").showError(error.message);
                    form.field("token").input.focus();
                    return;
                }
                throw error;
            }
            signInMessage = "";
            if (!location.hash.startsWith("#/") || location.hash === "#/sign-in") {
                location.hash = DEFAULT_ROUTE;
            } else {
                route();
            }
        },
    });
    if (signInMessage) {
        form.topError.textContent = signInMessage;
        form.topError.hidden = false;
    }
    page.content.append(form.element);
    form.field("token").input.focus();
}

function markNavigation(current) {
    for (const item of nav.querySelectorAll("a")) {
        if (item.dataset.nav === current) {
            item.setAttribute("aria-current", "page");
        } else {
            item.removeAttribute("aria-current");
        }
    }
}

async function route() {
    const hash = location.hash;
    // Other fragments, such as the skip link's #main, are not routes.
    if (hash && !hash.startsWith("#/")) {
        return;
    }
    closeDialogs();
    if (!session.token) {
        showSignIn();
        return;
    }

    const path = hash ? hash.slice(1) : "";
    const found = routes.map((entry) => ({ entry, match: entry.pattern.exec(path) })).find((item) => item.match);
    if (!found) {
        location.replace(DEFAULT_ROUTE);
        return;
    }
    nav.hidden = false;
    signOutButton.hidden = false;
    projectLabel.textContent = `Project ${session.project}`;
    markNavigation(found.entry.nav);

    renderCount += 1;
    const current = renderCount;
    const params = found.match.slice(1).map(decodeURIComponent);
    await found.entry.render(main, ...params);
    if (current === renderCount) {
        const heading = main.querySelector("h1");
        if (heading && !main.contains(document.activeElement)) {
            heading.focus();
        }
    }
}

onUnauthorized((error) => {
    session.signOut();
    signInMessage = `Signed out: ${error.message}`;
    closeDialogs();
    showSignIn();
});

signOutButton.addEventListener("click", () => {
    session.signOut();
    signInMessage = "";
    location.hash = "#/sign-in";
    showSignIn();
});

window.addEventListener("hashchange", route);
route();
