// Calls of tollgate's ELB v3 REST API. The admin token stays in sessionStorage, so it lasts
// as long as the browser tab and goes only into the X-Auth-Token header, never into a URL.

const TOKEN_KEY = "tollgate.token";
const PROJECT_KEY = "tollgate.project";
export const DEFAULT_PROJECT = "default";

export const session = {
    get token() {
        return sessionStorage.getItem(TOKEN_KEY);
    },
    get project() {
        return sessionStorage.getItem(PROJECT_KEY) || DEFAULT_PROJECT;
    },
    signIn(token, project) {
        sessionStorage.setItem(TOKEN_KEY, token);
        sessionStorage.setItem(PROJECT_KEY, project || DEFAULT_PROJECT);
    },
    signOut() {
        sessionStorage.removeItem(TOKEN_KEY);
    },
};

// An error response of the API, or a request that got no response (status 0).
export class ApiError extends Error {
    constructor(status, code, message, requestId) {
        super(message);
        this.status = status;
        this.code = code;
        this.requestId = requestId;
    }
}

let unauthorizedHandler = () => {};

// Sets the function called with the ApiError of every 401 response.
export function onUnauthorized(handler) {
    unauthorizedHandler = handler;
}

// Sends `method` to /v3/{project_id}/elb`path` and returns the parsed body, or null for 204.
// Throws ApiError with the API's error_msg for any other status than 2xx. A 401 also calls
// the onUnauthorized handler, unless `options.signIn` is set because the caller checks a new token.
export async function request(method, path, body, options = {}) {
    const headers = { "X-Auth-Token": session.token || "", Accept: "application/json" };
    const init = { method, headers, cache: "no-store", credentials: "omit", redirect: "error" };
    if (body !== undefined) {
        headers["Content-Type"] = "application/json";
        init.body = JSON.stringify(body);
    }
    const url = `/v3/${encodeURIComponent(session.project)}/elb${path}`;
    let response;
    try {
        response = await fetch(url, init);
    } catch (error) {
        throw new ApiError(0, "", `The API did not respond (${error.message}). Check that tollgate is running.`);
    }
    if (response.status === 204) {
        return null;
    }
    let data = null;
    try {
        data = await response.json();
    } catch {
        data = null;
    }
    if (!response.ok) {
        const message = data && data.error_msg ? data.error_msg : `${method} ${path} failed with HTTP ${response.status}.`;
        const error = new ApiError(response.status, data ? data.error_code : "", message, data ? data.request_id : "");
        if (response.status === 401 && !options.signIn) {
            unauthorizedHandler(error);
        }
        throw error;
    }
    return data;
}

// Returns every item of a collection, following page_info.next_marker from page to page.
// `path` is e.g. "/listeners" or "/pools/ID/members", `key` the list key of the response.
export async function listAll(path, key, filters = {}) {
    const items = [];
    let marker = null;
    for (;;) {
        const query = new URLSearchParams(filters);
        if (marker) {
            query.set("marker", marker);
        }
        const text = query.toString();
        const page = await request("GET", text ? `${path}?${text}` : path);
        items.push(...page[key]);
        marker = page.page_info && page.page_info.next_marker;
        if (!marker) {
            return items;
        }
    }
}
