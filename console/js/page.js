// The frame of every page: a heading with the page's actions, a notice area and the content.

import { el } from "./dom.js";

// Replaces the content of `main` with a page titled `title` and returns its parts.
// `actions` are buttons shown next to the heading.
export function renderPage(main, title, actions = [], intro = null) {
    const heading = el("h1", { tabindex: "-1" }, title);
    const notices = el("div", { className: "notices" });
    const content = el("div", { className: "content" });
    const head = el("div", { className: "page-head" }, heading, el("div", { className: "actions" }, actions));
    const parts = [head, intro ? el("p", { className: "intro" }, intro) : null, notices, content];
    main.replaceChildren(...parts.filter(Boolean));
    document.title = `${title} · tollgate`;
    return {
        heading,
        content,
        // Shows a message above the content. `kind` is "info", "warning" or "error";
        // `items` are listed under the text.
        notify(kind, text, items = []) {
            const role = kind === "error" ? "alert" : "status";
            const list = items.length ? el("ul", {}, items.map((item) => el("li", {}, item))) : null;
            const close = el("button", { type: "button", className: "link", "aria-label": "Dismiss message" }, "Dismiss");
            const notice = el("div", { className: `notice notice-${kind}`, role }, el("p", {}, text), list, close);
            close.addEventListener("click", () => notice.remove());
            notices.replaceChildren(notice);
        },
        clearNotices() {
            notices.replaceChildren();
        },
        // Moves the focus to the heading when a refresh removed the focused element, so
        // that keyboard users continue from the top of the page instead of the document's start.
        restoreFocus() {
            if (!document.activeElement || document.activeElement === document.body) {
                heading.focus();
            }
        },
    };
}

// Shows that loading data failed, with the API's message. Content already shown stays.
export function renderLoadError(page, error) {
    page.notify("error", `Loading failed: ${error.message}`);
}
