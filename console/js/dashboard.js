// The dashboard. It is a placeholder until tollgate has a metrics endpoint to chart.

import { el, link } from "./dom.js";
import { renderPage } from "./page.js";

export function render(main) {
    const page = renderPage(main, "Dashboard");
    page.content.append(
        el("p", { className: "placeholder" }, "Metrics arrive with the metrics endpoint."),
        el("h2", {}, "Set up mutual authentication"),
        el("ol", { className: "steps" },
            el("li", {}, link("Certificates", "#/certificates"),
                ": create the server certificate with its private key, and the CA certificate that issued the client certificates."),
            el("li", {}, link("Load balancers", "#/loadbalancers"),
                ": create a load balancer, open it and add an HTTPS listener with mutual authentication."),
            el("li", {}, link("Backend server groups", "#/pools"),
                ": create a group for the listener and add the backend servers.")),
    );
}
