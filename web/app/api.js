// The REST client: the session (token in localStorage, so a reload keeps
// it), JSON requests with the bearer token, API.md's error envelope turned
// into ApiError, 401 turned into a sign-out, and feature detection: an
// endpoint the server does not have yet answers 404 once and the feature
// that needs it stays hidden.

const SESSION_KEY = "switchboard.session";

/** An error answer: `{status, code, message, details}`. */
export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code || "";
    this.details = details || [];
  }
  get missing() {
    return this.status === 404 && this.code === "not_found";
  }
}

let session = loadSession();
const unauthorizedListeners = new Set();

function loadSession() {
  try {
    const raw = localStorage.getItem(SESSION_KEY);
    const parsed = raw ? JSON.parse(raw) : null;
    return parsed && typeof parsed.token === "string" ? parsed : null;
  } catch {
    return null;
  }
}

export function getSession() {
  return session;
}

export function setSession(next) {
  session = next;
  if (next) localStorage.setItem(SESSION_KEY, JSON.stringify(next));
  else localStorage.removeItem(SESSION_KEY);
}

/** Called when the server says the token is no longer good. */
export function onUnauthorized(fn) {
  unauthorizedListeners.add(fn);
  return () => unauthorizedListeners.delete(fn);
}

/** A random id for Idempotency-Key (works outside secure contexts too). */
export function randomId() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * request("GET", "/api/conversations", {query, body, headers}) -> JSON (or null).
 * Throws ApiError on a non-2xx answer and on network failure (status 0).
 */
export async function request(method, path, { query, body, headers = {}, signal } = {}) {
  let url = path;
  if (query) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined && v !== null && v !== "") params.set(k, String(v));
    }
    const qs = params.toString();
    if (qs) url += `?${qs}`;
  }
  const init = { method, headers: { Accept: "application/json", ...headers }, signal };
  if (session?.token) init.headers.Authorization = `Bearer ${session.token}`;
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let resp;
  try {
    resp = await fetch(url, init);
  } catch (e) {
    if (e?.name === "AbortError") throw e;
    throw new ApiError(0, "network", "Can't reach the server. Check your connection and try again.");
  }
  const textBody = await resp.text();
  let json = null;
  if (textBody) {
    try {
      json = JSON.parse(textBody);
    } catch {
      json = null;
    }
  }
  if (resp.ok) return json;
  const err = json?.error || {};
  const error = new ApiError(resp.status, err.code, err.message, err.details);
  if (resp.status === 401 && session?.token && path !== "/api/auth/login") {
    for (const fn of unauthorizedListeners) fn(error);
  }
  throw error;
}

/** GETs a same-origin `/api/` file with the token; gives a Blob. */
export async function fetchBlob(path) {
  if (typeof path !== "string" || !path.startsWith("/api/")) throw new ApiError(400, "bad_path", "Not a file of this server.");
  let resp;
  try {
    resp = await fetch(path, { headers: session?.token ? { Authorization: `Bearer ${session.token}` } : {} });
  } catch {
    throw new ApiError(0, "network", "Can't reach the server. Check your connection and try again.");
  }
  if (!resp.ok) throw new ApiError(resp.status, "download_failed", "The file could not be loaded.");
  return resp.blob();
}

/** Uploads `file` as the multipart field "file"; gives the JSON answer. */
export async function upload(path, file) {
  const form = new FormData();
  form.append("file", file, file.name);
  let resp;
  try {
    resp = await fetch(path, { method: "POST", body: form, headers: session?.token ? { Authorization: `Bearer ${session.token}` } : {} });
  } catch {
    throw new ApiError(0, "network", "Can't reach the server. Check your connection and try again.");
  }
  const json = await resp.json().catch(() => null);
  if (!resp.ok) throw new ApiError(resp.status, json?.error?.code, json?.error?.message, json?.error?.details);
  return json;
}

export const get = (path, query, opts) => request("GET", path, { ...opts, query });
export const post = (path, body, opts) => request("POST", path, { ...opts, body });
export const put = (path, body, opts) => request("PUT", path, { ...opts, body });
export const patch = (path, body, opts) => request("PATCH", path, { ...opts, body });

// ---- feature detection ---------------------------------------------------

/** Which optional endpoints this server has: name -> true | false. */
export const features = {};

/**
 * GETs `path`; a 404 marks `name` missing and returns null, any other
 * answer marks it present. Other errors propagate.
 */
export async function probe(name, path, query) {
  if (features[name] === false) return null;
  try {
    const value = await get(path, query);
    features[name] = true;
    return value;
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) {
      features[name] = false;
      return null;
    }
    if (e instanceof ApiError && e.status === 403) {
      features[name] = "forbidden";
      return null;
    }
    throw e;
  }
}

/**
 * Runs a write that may not exist on this server yet: a 404 whose path is
 * unknown (not a missing conversation) becomes a friendly ApiError with
 * code "not_available" and marks `name` missing.
 */
export async function optional(name, fn) {
  try {
    const value = await fn();
    features[name] = true;
    return value;
  } catch (e) {
    if (e instanceof ApiError && e.status === 404 && features[name] !== true) {
      features[name] = false;
      throw new ApiError(404, "not_available", "This server doesn't support that yet.");
    }
    if (e instanceof ApiError && e.status === 405) {
      features[name] = false;
      throw new ApiError(405, "not_available", "This server doesn't support that yet.");
    }
    throw e;
  }
}

/** A sentence for an error, fit to show a person. */
export function describe(error) {
  if (!(error instanceof ApiError)) return "Something went wrong. Try again.";
  switch (error.status) {
    case 0:
      return error.message;
    case 401:
      return "Your session has ended. Sign in again.";
    case 403:
      return error.message ? sentence(error.message) : "You're not allowed to do that.";
    case 404:
      return error.code === "not_available" ? error.message : "That no longer exists, or you can't see it.";
    case 409:
      return error.message || "That conflicts with something that already exists.";
    case 413:
      return "That is too large.";
    case 429:
      return "Too many attempts. Wait a moment and try again.";
    case 503:
      return "The server is busy. Try again in a moment.";
    default:
      if (error.status >= 500) return "The server had a problem. Try again in a moment.";
      return error.message ? sentence(error.message) : "That didn't work.";
  }
}

/** "assign it first" -> "Assign it first." */
function sentence(s) {
  const t = s.charAt(0).toUpperCase() + s.slice(1);
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

/** Optional endpoints by feature name: [method, path template]. */
const FEATURE_PATHS = {
  assign: ["post", "/api/conversations/{}/assign"],
  transfer: ["post", "/api/conversations/{}/transfer"],
  close: ["post", "/api/conversations/{}/close"],
  reopen: ["post", "/api/conversations/{}/reopen"],
  labels: ["put", "/api/conversations/{}/labels"],
  bot: ["put", "/api/conversations/{}/bot"],
  notes: ["post", "/api/conversations/{}/notes"],
  read: ["post", "/api/conversations/{}/read"],
  counts: ["get", "/api/conversations/counts"],
  templates: ["get", "/api/numbers/{}/templates"],
  teams: ["get", "/api/teams"],
  labelsList: ["get", "/api/labels"],
  canned: ["get", "/api/canned-replies"],
  presence: ["get", "/api/presence"],
  userUpdate: ["patch", "/api/users/{}"],
  suspend: ["post", "/api/admin/tenants/{}/suspend"],
  media: ["post", "/api/numbers/{}/media"],
  catalog: ["get", "/api/numbers/{}/catalog/products"],
  orders: ["get", "/api/orders"],
  flows: ["get", "/api/flows"],
};

/**
 * Reads the server's OpenAPI document: when it lists paths, every feature
 * above is known to be there or not before anyone clicks. When it does not
 * (an older server), features are found out on first use instead.
 */
export async function discover() {
  let doc;
  try {
    doc = await get("/api/openapi.json");
  } catch {
    return;
  }
  const paths = doc && typeof doc.paths === "object" ? doc.paths : null;
  if (!paths || !Object.keys(paths).length) return;
  const normalised = new Map();
  for (const [path, ops] of Object.entries(paths)) {
    normalised.set(path.replace(/\{[^}]*\}/g, "{}"), Object.keys(ops || {}).map((m) => m.toLowerCase()));
  }
  for (const [name, [method, path]] of Object.entries(FEATURE_PATHS)) {
    const methods = normalised.get(path);
    if (features[name] === undefined) features[name] = Boolean(methods && methods.includes(method));
  }
}
