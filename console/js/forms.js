// Forms and dialogs. A form shows each API error next to the field that the message names
// (`<resource>.<field>: ...`), and any other message at its top.

import { ApiError } from "./api.js";
import { el, uniqueId } from "./dom.js";

const FIELD_PREFIX = /^([a-z_]+)\.([A-Za-z0-9_]+)\b/;

// Returns the field name of an API error message when the message starts with
// "<resource>.<field>", as in `listener.protocol_port: invalid value "0": ...`.
export function fieldOfMessage(message, resource) {
    const match = FIELD_PREFIX.exec(message);
    return match && match[1] === resource ? match[2] : null;
}

function buildInput(spec, id, describedBy) {
    const common = { id, name: spec.name, "aria-describedby": describedBy, disabled: spec.disabled };
    switch (spec.kind) {
    case "textarea":
        return el("textarea", { ...common, rows: spec.rows || 8, spellcheck: "false", autocomplete: "off",
            className: "code", placeholder: spec.placeholder, wrap: "off" });
    case "select":
        return el("select", common, (spec.options || []).map((option) =>
            el("option", { value: option.value }, option.label)));
    case "switch":
        return el("input", { ...common, type: "checkbox", role: "switch", className: "switch" });
    default:
        return el("input", { ...common, type: spec.kind || "text", autocomplete: spec.autocomplete || "off",
            inputmode: spec.inputmode, min: spec.min, max: spec.max, placeholder: spec.placeholder,
            spellcheck: "false" });
    }
}

// Builds a radio group as a fieldset; `spec.options` are [{value, label}].
function buildRadios(spec, field) {
    const legend = el("legend", {}, spec.label);
    const choices = spec.options.map((option) => {
        const id = uniqueId(`${spec.name}-${option.value}`);
        return el("div", { className: "choice" },
            el("input", { type: "radio", id, name: spec.name, value: option.value, disabled: spec.disabled,
                "aria-describedby": field.errorId }),
            el("label", { for: id }, option.label));
    });
    const fieldset = el("fieldset", { className: "radios" }, legend, choices);
    field.inputs = [...fieldset.querySelectorAll("input")];
    field.input = field.inputs[0];
    return fieldset;
}

// Reads a file chosen in a file input as text into `target`, as if it had been pasted.
function uploadButton(spec, target) {
    const id = uniqueId(`${spec.name}-file`);
    const input = el("input", { type: "file", id, accept: spec.upload.accept, className: "file" });
    input.addEventListener("change", () => {
        const file = input.files[0];
        if (!file) {
            return;
        }
        const reader = new FileReader();
        reader.addEventListener("load", () => {
            target.value = reader.result;
            target.dispatchEvent(new Event("input", { bubbles: true }));
        });
        reader.readAsText(file);
    });
    return el("div", { className: "upload" }, el("label", { for: id }, spec.upload.label), input);
}

class Field {
    constructor(spec) {
        this.spec = spec;
        this.name = spec.name;
        this.errorId = uniqueId(`${spec.name}-error`);
        this.error = el("p", { className: "field-error", id: this.errorId, hidden: true });
        const hintId = spec.hint ? uniqueId(`${spec.name}-hint`) : null;
        const hint = spec.hint ? el("p", { className: "hint", id: hintId }, spec.hint) : null;
        const describedBy = [hintId, this.errorId].filter(Boolean).join(" ");

        if (spec.kind === "radios") {
            this.element = el("div", { className: "field", "data-field": spec.name },
                buildRadios(spec, this), hint, this.error);
        } else {
            const id = uniqueId(spec.name);
            this.input = buildInput(spec, id, describedBy);
            this.inputs = [this.input];
            const marker = spec.required ? el("span", { className: "required" }, " (required)") : null;
            const label = el("label", { for: id }, spec.label, marker);
            const upload = spec.upload ? uploadButton(spec, this.input) : null;
            const isSwitch = spec.kind === "switch";
            this.element = el("div", { className: isSwitch ? "field field-switch" : "field", "data-field": spec.name },
                isSwitch ? [this.input, label] : [label, this.input], upload, hint, this.error);
        }
        if (spec.value !== undefined) {
            this.set(spec.value);
        }
    }

    get visible() {
        return !this.element.hidden;
    }

    get() {
        switch (this.spec.kind) {
        case "switch":
            return this.input.checked;
        case "radios": {
            const checked = this.inputs.find((input) => input.checked);
            return checked ? checked.value : null;
        }
        case "number":
            return this.input.value === "" ? null : Number(this.input.value);
        default:
            return this.input.value;
        }
    }

    set(value) {
        if (this.spec.kind === "switch") {
            this.input.checked = Boolean(value);
        } else if (this.spec.kind === "radios") {
            for (const input of this.inputs) {
                input.checked = input.value === value;
            }
        } else {
            this.input.value = value === null || value === undefined ? "" : String(value);
        }
    }

    showError(message) {
        this.error.textContent = message;
        this.error.hidden = false;
        for (const input of this.inputs) {
            input.setAttribute("aria-invalid", "true");
        }
    }

    clearError() {
        this.error.textContent = "";
        this.error.hidden = true;
        for (const input of this.inputs) {
            input.removeAttribute("aria-invalid");
        }
    }
}

// A form of API fields. `resource` is the request's envelope key ("listener"), which error
// messages start with. `fields` are specs: {name, label, kind, options, value, hint,
// required, disabled, upload: {label, accept}, visibleWhen(values) -> bool}.
// `onSubmit(values)` sends the request; an ApiError it throws is shown in the form.
export class Form {
    constructor({ resource, fields, submitLabel, onSubmit, onCancel }) {
        this.resource = resource;
        this.fields = fields.map((spec) => new Field(spec));
        this.topError = el("div", { className: "form-error", role: "alert", hidden: true });
        this.submitButton = el("button", { type: "submit", className: "primary" }, submitLabel);
        const buttons = el("div", { className: "buttons" }, this.submitButton,
            onCancel ? el("button", { type: "button", onclick: onCancel }, "Cancel") : null);
        this.element = el("form", { novalidate: true, className: "api-form" },
            this.topError, this.fields.map((field) => field.element), buttons);
        this.element.addEventListener("input", () => this.updateVisibility());
        this.element.addEventListener("change", () => this.updateVisibility());
        this.element.addEventListener("submit", (event) => {
            event.preventDefault();
            this.submit(onSubmit);
        });
        this.updateVisibility();
    }

    field(name) {
        return this.fields.find((field) => field.name === name);
    }

    // Returns the values of the visible fields by name.
    values() {
        const values = {};
        for (const field of this.fields) {
            if (field.visible) {
                values[field.name] = field.get();
            }
        }
        return values;
    }

    updateVisibility() {
        const all = {};
        for (const field of this.fields) {
            all[field.name] = field.get();
        }
        for (const field of this.fields) {
            if (field.spec.visibleWhen) {
                field.element.hidden = !field.spec.visibleWhen(all);
            }
        }
    }

    async submit(onSubmit) {
        if (this.submitButton.disabled) {
            return;
        }
        this.clearErrors();
        this.submitButton.disabled = true;
        this.element.setAttribute("aria-busy", "true");
        try {
            await onSubmit(this.values());
        } catch (error) {
            this.showError(error);
        } finally {
            this.submitButton.disabled = false;
            this.element.removeAttribute("aria-busy");
        }
    }

    clearErrors() {
        this.topError.hidden = true;
        this.topError.textContent = "";
        for (const field of this.fields) {
            field.clearError();
        }
    }

    // Shows an error next to the field its message names, else at the top of the form.
    showError(error) {
        const message = error instanceof ApiError || error instanceof Error ? error.message : String(error);
        const name = fieldOfMessage(message, this.resource);
        const field = name ? this.field(name) : null;
        if (field && field.visible) {
            field.showError(message);
            field.input.focus();
            return;
        }
        this.topError.textContent = message;
        this.topError.hidden = false;
    }
}

// Shows `content` in a modal dialog titled `title` and returns the dialog. The dialog is
// removed from the page when it closes; Escape closes it.
export function openDialog(title, content) {
    const headingId = uniqueId("dialog-title");
    const dialog = el("dialog", { "aria-labelledby": headingId }, el("h2", { id: headingId }, title), content);
    dialog.addEventListener("close", () => {
        dialog.remove();
        // The browser returns the focus to the button that opened the dialog. When a refresh
        // has replaced that button, the focus goes to the page's heading instead.
        setTimeout(() => {
            const heading = document.querySelector("main h1");
            if (heading && (!document.activeElement || document.activeElement === document.body)) {
                heading.focus();
            }
        });
    });
    document.body.append(dialog);
    dialog.showModal();
    return dialog;
}

// Shows a form in a dialog; `onSubmit` runs the request and the dialog closes when it succeeds.
export function formDialog(title, { resource, fields, submitLabel, onSubmit }) {
    let dialog = null;
    const form = new Form({
        resource, fields, submitLabel,
        onSubmit: async (values) => {
            await onSubmit(values);
            dialog.close();
        },
        onCancel: () => dialog.close(),
    });
    dialog = openDialog(title, form.element);
    const first = form.fields.find((field) => field.visible && !field.spec.disabled);
    if (first) {
        first.input.focus();
    }
    return form;
}

// Asks for confirmation in a dialog and resolves to true when the user confirms.
export function confirmAction(title, text, confirmLabel) {
    return new Promise((resolve) => {
        let confirmed = false;
        const confirm = el("button", { type: "button", className: "danger" }, confirmLabel);
        const cancel = el("button", { type: "button" }, "Cancel");
        const dialog = openDialog(title, el("div", {}, el("p", {}, text), el("div", { className: "buttons" }, confirm, cancel)));
        confirm.addEventListener("click", () => {
            confirmed = true;
            dialog.close();
        });
        cancel.addEventListener("click", () => dialog.close());
        dialog.addEventListener("close", () => resolve(confirmed));
        cancel.focus();
    });
}

// Closes every open dialog, e.g. when the session ends.
export function closeDialogs() {
    for (const dialog of document.querySelectorAll("dialog[open]")) {
        dialog.close();
    }
}
