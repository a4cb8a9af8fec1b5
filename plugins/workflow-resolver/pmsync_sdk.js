// pmsync JavaScript plugin SDK: one ES module over componentize-js's bindings of the
// `pmsync:plugin@1.0.0` worlds (transformer-plugin, resolver-plugin, connector-plugin).
//
// What it gives a plugin author:
//   - values:      `Value.text("x")`, ..., `toJs(value)` / `toWit(plain)` between the WIT
//                  `value` variant and plain JavaScript values;
//   - errors:      `InvalidInput`, `Transient`, `RateLimited`, `Unauthorized`, `NotFound`,
//                  `Unsupported` — throw them; they reach the host as the matching WIT
//                  `plugin-error`. Any other exception fails the item as `invalid-input`
//                  with its message and the first lines of its stack, never a trap;
//   - per-item functions with batch defaults: `defineTransformer`, `defineResolver`,
//                  `defineConnector` turn one-item functions into the batch exports;
//   - `settings()` / `setting(key)`: the operator's settings (`plugins.settings.NAME`,
//                  or `platforms.<entry>.settings` for a connector);
//   - `log.info(...)` and friends: the host's log, under the plugin's name;
//   - `http`: requests through the host's HTTP import (connectors only), with HTTP
//                  statuses mapped to the errors above.
//
// The SDK imports nothing from the host itself: the component's entry file connects the
// host's imports once with `connectHost({ log, config, http })`, so the plugin's logic runs
// natively under `node --test` with `testHost({ settings, http })` instead.

// ---------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------

/** The tags of the WIT `value` variant. */
export const VALUE_TAGS = Object.freeze([
  "null",
  "boolean",
  "integer",
  "number",
  "text",
  "text-list",
  "date",
  "datetime",
  "json",
]);

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Constructors of WIT `value`s. */
export const Value = Object.freeze({
  null: () => ({ tag: "null" }),
  boolean: (b) => ({ tag: "boolean", val: Boolean(b) }),
  /** A whole number (WIT s64: a BigInt on the wire). */
  integer: (n) => ({ tag: "integer", val: toBigInt(n) }),
  number: (x) => ({ tag: "number", val: Number(x) }),
  text: (s) => ({ tag: "text", val: String(s) }),
  textList: (list) => ({ tag: "text-list", val: Array.from(list, String) }),
  /** A calendar date `YYYY-MM-DD` (a string, or a `Date` whose UTC day is taken). */
  date: (d) => ({ tag: "date", val: d instanceof Date ? d.toISOString().slice(0, 10) : String(d) }),
  /** An instant, RFC 3339 (a string or a `Date`). */
  datetime: (t) => ({ tag: "datetime", val: t instanceof Date ? t.toISOString() : String(t) }),
  /** Nested data, given as a JavaScript value (it travels as JSON text). */
  json: (data) => ({ tag: "json", val: JSON.stringify(data) }),
});

function toBigInt(n) {
  if (typeof n === "bigint") return n;
  if (typeof n === "number" && Number.isInteger(n)) return BigInt(n);
  if (typeof n === "string" && /^-?\d+$/.test(n.trim())) return BigInt(n.trim());
  throw new InvalidInput(`${describe(n)} is not a whole number`);
}

/** Whether `v` is a WIT `value` (`{ tag, val }` with a known tag). */
export function isValue(v) {
  return v !== null && typeof v === "object" && typeof v.tag === "string" && VALUE_TAGS.includes(v.tag);
}

/**
 * A WIT `value` as a plain JavaScript value: `null`, a boolean, a number (an integer
 * beyond 2^53 stays a BigInt), a string (text, dates and instants alike), an array of
 * strings, or the parsed data of `json`. Bad JSON text is an `InvalidInput` error.
 */
export function toJs(value) {
  if (!isValue(value)) throw new InvalidInput(`${describe(value)} is not a pmsync value`);
  switch (value.tag) {
    case "null":
      return null;
    case "integer": {
      const n = typeof value.val === "bigint" ? value.val : BigInt(value.val);
      return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
    }
    case "json":
      try {
        return JSON.parse(value.val);
      } catch (error) {
        throw new InvalidInput(`a json value is not valid JSON (${error.message}): ${excerpt(value.val)}`);
      }
    case "text-list":
      return [...value.val];
    default:
      return value.val;
  }
}

/**
 * A plain JavaScript value as a WIT `value`: `null`/`undefined` → null, booleans, integers
 * (numbers without a fraction, BigInts) → integer, other numbers → number, strings → text,
 * arrays of strings → text-list, `Date` → datetime, anything else → json. A WIT value is
 * returned as it is. Use `Value.date(...)` for a calendar date.
 */
export function toWit(plain) {
  if (plain === null || plain === undefined) return Value.null();
  if (isValue(plain)) return plain;
  switch (typeof plain) {
    case "boolean":
      return Value.boolean(plain);
    case "bigint":
      return Value.integer(plain);
    case "number":
      if (!Number.isFinite(plain)) throw new InvalidInput(`${plain} is not a finite number`);
      return Number.isInteger(plain) ? Value.integer(plain) : Value.number(plain);
    case "string":
      return Value.text(plain);
    case "object":
      if (plain instanceof Date) return Value.datetime(plain);
      if (Array.isArray(plain) && plain.every((x) => typeof x === "string")) return Value.textList(plain);
      return Value.json(plain);
    default:
      throw new InvalidInput(`a ${typeof plain} cannot be a pmsync value`);
  }
}

/** Whether `value` is text-like (text, date or datetime) and, if so, its string. */
export function textOf(value) {
  return isValue(value) && (value.tag === "text" || value.tag === "date" || value.tag === "datetime")
    ? value.val
    : undefined;
}

/** Whether `s` is a `YYYY-MM-DD` date. */
export function isDate(s) {
  return typeof s === "string" && DATE.test(s);
}

// ---------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------

/**
 * An error the host acts on. `payload` (an own property: componentize-js reads it) is the
 * WIT `plugin-error`.
 */
export class PluginError extends Error {
  constructor(tag, message, val = message) {
    super(message);
    this.name = new.target.name;
    this.tag = tag;
    this.payload = { tag, val };
  }
}
/** Permanent: the input can never succeed; the item fails and is not retried. */
export class InvalidInput extends PluginError {
  constructor(message) {
    super("invalid-input", message);
  }
}
/** Temporary: retried with backoff. */
export class Transient extends PluginError {
  constructor(message) {
    super("transient", message);
  }
}
/** Retried after `retryAfterMs`. */
export class RateLimited extends PluginError {
  constructor(message, retryAfterMs) {
    const ms = Number.isFinite(Number(retryAfterMs)) && Number(retryAfterMs) >= 0 ? Math.ceil(Number(retryAfterMs)) : 60000;
    super("rate-limited", message, { retryAfterMs: BigInt(ms), message: String(message) });
    this.retryAfterMs = ms;
  }
}
/** Credentials missing, wrong or lacking permission. */
export class Unauthorized extends PluginError {
  constructor(message) {
    super("unauthorized", message);
  }
}
/** The item (or something it refers to) does not exist. */
export class NotFound extends PluginError {
  constructor(message) {
    super("not-found", message);
  }
}
/** The plugin does not do this. Permanent; never retried. */
export class Unsupported extends PluginError {
  constructor(message) {
    super("unsupported", message);
  }
}

const STACK_LINES = 4;

/**
 * The WIT `plugin-error` for anything thrown: a `PluginError` as itself; anything else
 * (a bug: `TypeError`, a thrown string) as `invalid-input` with its message and the first
 * lines of its stack, so the item's error says what went wrong and where.
 */
export function toPluginError(thrown) {
  if (thrown instanceof PluginError) return thrown.payload;
  if (thrown instanceof Error) {
    const frames = String(thrown.stack || "")
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith(`${thrown.name}:`))
      .slice(0, STACK_LINES);
    const where = frames.length ? ` (at ${frames.join(" <- ")})` : "";
    return { tag: "invalid-input", val: `${thrown.name}: ${thrown.message}${where}` };
  }
  return { tag: "invalid-input", val: `the plugin threw ${describe(thrown)}` };
}

function attempt(fn) {
  try {
    return { tag: "ok", val: fn() };
  } catch (thrown) {
    return { tag: "err", val: toPluginError(thrown) };
  }
}

/** Runs `fn`; anything it throws leaves as a WIT error (for exports returning `result`). */
function orThrowPayload(fn) {
  try {
    return fn();
  } catch (thrown) {
    throw { payload: toPluginError(thrown) };
  }
}

function describe(x) {
  if (typeof x === "string") return JSON.stringify(excerpt(x));
  if (typeof x === "bigint") return `${x}`;
  try {
    return excerpt(JSON.stringify(x, (_, v) => (typeof v === "bigint" ? `${v}` : v)) ?? String(x));
  } catch {
    return String(x);
  }
}

function excerpt(s, max = 200) {
  const text = String(s);
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

// ---------------------------------------------------------------------------------------
// The host: log, config, http
// ---------------------------------------------------------------------------------------

let host = null;

/**
 * Connects the host's imports; called once by the component's entry file:
 *
 *     import { log } from "pmsync:plugin/log@1.0.0";
 *     import { get, entries } from "pmsync:plugin/config@1.0.0";
 *     connectHost({ log, config: { get, entries } });
 */
export function connectHost(imports) {
  host = imports;
  settingsCache = null;
}

function needHost(what) {
  if (!host) {
    throw new Transient(
      `${what} needs the host: the component's entry file calls connectHost(...), a test calls testHost(...)`,
    );
  }
  return host;
}

const LEVELS = ["trace", "debug", "info", "warn", "error"];

/** The host's log (under the plugin's name). Messages are strings; other values are shown as JSON. */
export const log = Object.freeze(
  Object.fromEntries(
    LEVELS.map((level) => [
      level,
      (...parts) => {
        const message = parts.map((p) => (typeof p === "string" ? p : describe(p))).join(" ");
        if (host && host.log) host.log.log(level, message);
      },
    ]),
  ),
);

let settingsCache = null;

/** Every setting the operator gave this plugin, as an object of strings. */
export function settings() {
  if (!settingsCache) {
    const config = needHost("reading settings").config;
    settingsCache = Object.freeze(Object.fromEntries(config ? config.entries() : []));
  }
  return settingsCache;
}

/** One setting (a string), or `fallback` when the operator did not give it. */
export function setting(key, fallback = undefined) {
  const all = settings();
  return Object.prototype.hasOwnProperty.call(all, key) ? all[key] : fallback;
}

/**
 * A setting holding a list: JSON text (`'["To Do", "Done"]'`) or comma-separated text
 * (`To Do, Done`). Anything else is an `InvalidInput` error naming the setting.
 */
export function listSetting(key, fallback = []) {
  const text = setting(key);
  if (text === undefined) return fallback;
  const trimmed = text.trim();
  if (trimmed.startsWith("[")) {
    let parsed;
    try {
      parsed = JSON.parse(trimmed);
    } catch (error) {
      throw new InvalidInput(`setting \`${key}\` is not a JSON list (${error.message}): ${excerpt(text)}`);
    }
    if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === "string")) {
      throw new InvalidInput(`setting \`${key}\` must be a list of strings, not ${excerpt(trimmed)}`);
    }
    return parsed;
  }
  return trimmed === "" ? [] : trimmed.split(",").map((s) => s.trim()).filter(Boolean);
}

/** A setting holding `true` or `false`. */
export function booleanSetting(key, fallback = false) {
  const text = setting(key);
  if (text === undefined) return fallback;
  if (text.trim() === "true") return true;
  if (text.trim() === "false") return false;
  throw new InvalidInput(`setting \`${key}\` is ${JSON.stringify(text)}; expected true or false`);
}

/**
 * A host for native tests: `settings` as an object, `http` a function answering a request
 * (`(request) => ({ status, headers, body })`, or throwing `{ payload: { tag: "timeout", val } }`).
 * Returns the recorded `logs` (`[level, message]`) and `requests`.
 */
export function testHost({ settings: given = {}, http: handler } = {}) {
  const logs = [];
  const requests = [];
  const entries = Object.entries(given).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]);
  connectHost({
    log: { log: (level, message) => logs.push([level, message]) },
    config: {
      get: (key) => entries.find(([k]) => k === key)?.[1],
      entries: () => entries,
    },
    http: {
      send: (request) => {
        requests.push(request);
        if (!handler) throw { payload: { tag: "denied", val: "this test host answers no HTTP" } };
        const answer = handler(request);
        return {
          status: answer.status ?? 200,
          headers: answer.headers ?? [],
          body: toBytes(answer.body ?? new Uint8Array()),
        };
      },
    },
  });
  return { logs, requests };
}

// ---------------------------------------------------------------------------------------
// HTTP (connectors)
// ---------------------------------------------------------------------------------------

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function toBytes(body) {
  if (body instanceof Uint8Array) return body;
  if (typeof body === "string") return encoder.encode(body);
  return encoder.encode(JSON.stringify(body));
}

/** The default wait of a 429 that says nothing about when to retry. */
export const DEFAULT_RETRY_AFTER_MS = 60000;
const BODY_EXCERPT = 300;

/** A response: `status`, `headers` (pairs), `body` (bytes), `header(name)`, `text()`, `json()`. */
class Response {
  constructor(raw, request) {
    this.status = raw.status;
    this.headers = raw.headers;
    this.body = raw.body instanceof Uint8Array ? raw.body : Uint8Array.from(raw.body ?? []);
    this.request = request;
  }
  header(name) {
    const lower = name.toLowerCase();
    return this.headers.find(([k]) => k.toLowerCase() === lower)?.[1];
  }
  text() {
    return decoder.decode(this.body);
  }
  /** The body as JSON; a body that is not JSON is an `InvalidInput` error naming the request. */
  json() {
    try {
      return JSON.parse(this.text());
    } catch (error) {
      throw new InvalidInput(`${this.request} answered a body that is not JSON (${error.message}): ${excerpt(this.text(), BODY_EXCERPT)}`);
    }
  }
}

/** The error for an HTTP status of 400 or more (as the Rust SDK maps them), or undefined. */
export function errorForStatus(status, headers, body, request) {
  if (status < 400) return undefined;
  const text = typeof body === "string" ? body : decoder.decode(body ?? new Uint8Array());
  const squeezed = text.split(/\s+/).filter(Boolean).join(" ").slice(0, BODY_EXCERPT);
  const message = squeezed ? `${request} answered ${status}: ${squeezed}` : `${request} answered ${status}`;
  const find = (name) => (headers ?? []).find(([k]) => k.toLowerCase() === name)?.[1];
  const retryAfterText = find("retry-after");
  const seconds = retryAfterText === undefined ? NaN : Number(retryAfterText.trim());
  const retryAfter = Number.isFinite(seconds) && seconds >= 0 ? Math.ceil(seconds * 1000) : undefined;
  if (status === 429) return new RateLimited(message, retryAfter ?? DEFAULT_RETRY_AFTER_MS);
  if (status === 401) return new Unauthorized(message);
  if (status === 403) {
    return retryAfter !== undefined || find("x-ratelimit-remaining") === "0"
      ? new RateLimited(message, retryAfter ?? DEFAULT_RETRY_AFTER_MS)
      : new Unauthorized(message);
  }
  if (status === 404 || status === 410) return new NotFound(message);
  if (status === 408) return new Transient(message);
  if (status >= 500 && status <= 599) return retryAfter !== undefined ? new RateLimited(message, retryAfter) : new Transient(message);
  return new InvalidInput(message);
}

function errorForTransport(payload, request) {
  const reason = payload && typeof payload === "object" ? payload.val : String(payload);
  switch (payload && payload.tag) {
    case "denied":
      return new Unauthorized(`${request} was refused by the host: ${reason}`);
    case "timeout":
      return new Transient(`${request} timed out: ${reason}`);
    case "transport":
      return new Transient(`${request} failed to connect: ${reason}`);
    case "invalid-request":
      return new InvalidInput(`${request} is not a valid request: ${reason}`);
    default:
      return new Transient(`${request} failed: ${describe(payload)}`);
  }
}

/**
 * Requests through the host (which checks the destination, injects the credential, paces
 * and retries). `request({ method, url, headers, body, json, credential, allowStatus })`
 * returns a `Response` for a 2xx/3xx answer (or a status listed in `allowStatus`) and
 * throws the matching `PluginError` otherwise. `json` sends a JSON body with its
 * content type; `credential` names the credential to inject (`"token"`).
 */
export const http = Object.freeze({
  request({ method = "GET", url, headers = {}, body, json, credential, allowStatus = [] }) {
    if (typeof url !== "string" || url === "") throw new InvalidInput("an HTTP request needs a url");
    const pairs = Array.isArray(headers) ? headers.map(([k, v]) => [String(k), String(v)]) : Object.entries(headers).map(([k, v]) => [k, String(v)]);
    let bytes;
    if (json !== undefined) {
      bytes = encoder.encode(JSON.stringify(json));
      if (!pairs.some(([k]) => k.toLowerCase() === "content-type")) pairs.push(["content-type", "application/json"]);
    } else if (body !== undefined) {
      bytes = toBytes(body);
    }
    if (!pairs.some(([k]) => k.toLowerCase() === "accept")) pairs.push(["accept", "application/json"]);
    const label = `${method.toUpperCase()} ${url}`;
    const send = needHost("an HTTP request").http;
    if (!send) throw new Unsupported(`${label}: this plugin kind has no HTTP (connectors only)`);
    let raw;
    try {
      raw = send.send({ method: method.toUpperCase(), url, headers: pairs, body: bytes, credential });
    } catch (thrown) {
      if (thrown instanceof PluginError) throw thrown;
      throw errorForTransport(thrown && Object.prototype.hasOwnProperty.call(thrown, "payload") ? thrown.payload : thrown, label);
    }
    const response = new Response(raw, label);
    if (!allowStatus.includes(response.status)) {
      const error = errorForStatus(response.status, response.headers, response.body, label);
      if (error) throw error;
    }
    return response;
  },
  get(url, options = {}) {
    return this.request({ ...options, method: "GET", url });
  },
  post(url, json, options = {}) {
    return this.request({ ...options, method: "POST", url, json });
  },
  put(url, json, options = {}) {
    return this.request({ ...options, method: "PUT", url, json });
  },
  patch(url, json, options = {}) {
    return this.request({ ...options, method: "PATCH", url, json });
  },
});

// ---------------------------------------------------------------------------------------
// Items
// ---------------------------------------------------------------------------------------

/** An item's field value (a WIT value), or undefined when it has no such field. */
export function fieldOf(item, name) {
  return item?.fields?.find((f) => f.name === name)?.value;
}

/** An item: `{ id, key, url, updatedAt, fields }`; `fields` an object of plain or WIT values. */
export function makeItem({ id, key = id, url = "", updatedAt, fields = {} }) {
  if (typeof id !== "string" || id === "") throw new InvalidInput(`an item needs an id, got ${describe(id)}`);
  const updated = updatedAt instanceof Date ? updatedAt.toISOString() : String(updatedAt ?? "");
  const list = Array.isArray(fields)
    ? fields.map((f) => ({ name: String(f.name), value: toWit(f.value) }))
    : Object.entries(fields).map(([name, value]) => ({ name, value: toWit(value) }));
  return { id, key: String(key), url: String(url), updatedAt: updated, fields: list };
}

// ---------------------------------------------------------------------------------------
// Transformers
// ---------------------------------------------------------------------------------------

/**
 * The `transformer` export from per-value functions:
 *
 *     export const transformer = defineTransformer({
 *       transforms: { title_case(value, context) { return ...; } },
 *     });
 *
 * Each function gets a WIT value and the `transform-context` (`field`, `sourcePlatform`,
 * `targetPlatform`, `itemKey`) and returns a WIT value or a plain one (see `toWit`).
 * `transformBatch(requests)` may be given instead to answer a whole batch at once.
 */
export function defineTransformer({ transforms = {}, transformBatch } = {}) {
  const names = Object.keys(transforms);
  if (names.length === 0) throw new Error("defineTransformer needs at least one function under `transforms`");
  return {
    names: () => names,
    transformBatch:
      transformBatch ??
      ((requests) =>
        requests.map((request) =>
          attempt(() => {
            const fn = Object.prototype.hasOwnProperty.call(transforms, request.name) ? transforms[request.name] : undefined;
            if (!fn) throw new Unsupported(`no transform named \`${request.name}\` here (this plugin has: ${names.join(", ")})`);
            return toWit(fn(request.value, request.context));
          }),
        )),
  };
}

// ---------------------------------------------------------------------------------------
// Resolvers
// ---------------------------------------------------------------------------------------

/** The WIT `resolution`s. */
export const Resolution = Object.freeze({
  takeSource: () => ({ tag: "take-source" }),
  takeTarget: () => ({ tag: "take-target" }),
  /** A new value for both sides (a WIT value or a plain one). */
  merged: (value) => ({ tag: "merged", val: toWit(value) }),
  /** Leave it to a person; the reason is shown to them in `conflicts list`. */
  defer: (reason) => ({ tag: "defer", val: String(reason) }),
});

const RESOLUTION_TAGS = ["take-source", "take-target", "merged", "defer"];

function checkResolution(resolution, field) {
  if (resolution && typeof resolution === "object" && RESOLUTION_TAGS.includes(resolution.tag)) {
    if (resolution.tag === "merged") return { tag: "merged", val: toWit(resolution.val) };
    if (resolution.tag === "defer") return { tag: "defer", val: String(resolution.val ?? "") };
    return { tag: resolution.tag };
  }
  throw new InvalidInput(
    `the resolver answered ${describe(resolution)} for field \`${field}\`; expected Resolution.takeSource(), takeTarget(), merged(value) or defer(reason)`,
  );
}

/**
 * The `resolver` export from a per-conflict function:
 *
 *     export const resolver = defineResolver({
 *       name: "workflow_order",
 *       resolve(conflict, { source, target }) { return Resolution.takeSource(); },
 *     });
 *
 * `resolve` gets one conflict (`field`, `source`, `target`, `base`: WIT values, `base`
 * undefined when there is none) and the two items; it returns a `Resolution`. Give
 * `resolveRequest(request)` (one item pair: an array of resolutions) or `resolveBatch`
 * (every request) instead to decide more at once. A throw fails that item pair only.
 */
export function defineResolver({ name, resolve, resolveRequest, resolveBatch } = {}) {
  if (typeof name !== "string" || name === "") throw new Error("defineResolver needs a `name` (the resolver name in plugin.toml)");
  if (!resolve && !resolveRequest && !resolveBatch) throw new Error("defineResolver needs `resolve`, `resolveRequest` or `resolveBatch`");
  const one =
    resolveRequest ??
    ((request) => request.conflicts.map((conflict) => resolve(conflict, { source: request.source, target: request.target })));
  return {
    name: () => name,
    resolve:
      resolveBatch ??
      ((requests) =>
        requests.map((request) =>
          attempt(() => {
            const answers = one(request);
            if (!Array.isArray(answers) || answers.length !== request.conflicts.length) {
              throw new InvalidInput(
                `the resolver answered ${Array.isArray(answers) ? answers.length : describe(answers)} resolutions for ${request.conflicts.length} conflicts of ${request.source.key} / ${request.target.key}`,
              );
            }
            return answers.map((answer, i) => checkResolution(answer, request.conflicts[i].field));
          }),
        )),
  };
}

// ---------------------------------------------------------------------------------------
// Connectors
// ---------------------------------------------------------------------------------------

/** The WIT `field-type`s. */
export const FieldType = Object.freeze({
  string: "string",
  number: "number",
  boolean: "boolean",
  date: "date",
  datetime: "datetime",
  array: "array",
  object: "object",
});

/**
 * The `connector` export from per-item functions:
 *
 *     export const connector = defineConnector({
 *       describe: () => ({ platform, fields: [{ name, fieldType, writable }], capabilities }),
 *       listChanged({ since, cursor, pageSize, filter }) { return { items, nextCursor }; },
 *       getOne(id) { return item; },
 *       createOne({ origin, fields }) { return item; },
 *       updateOne({ id, fields }) { return item; },
 *       findByOrigin(origin) { return item or undefined; },   // optional
 *       parseWebhook({ headers, body }) { return ids; },       // optional
 *     });
 *
 * The batch calls (`get`, `create`, `update`, `find-by-origin`) call the per-item ones,
 * one result per item; give `getBatch(ids)`, `createBatch(requests)`, `updateBatch`,
 * `findByOriginBatch` to answer a batch at once (one `{ tag: "ok" | "err", val }` each).
 * A missing optional function answers `unsupported`.
 */
export function defineConnector(spec = {}) {
  for (const required of ["describe", "listChanged"]) {
    if (typeof spec[required] !== "function") throw new Error(`defineConnector needs \`${required}\``);
  }
  const perItem = (batchName, oneName, what) =>
    spec[batchName] ??
    ((inputs) =>
      inputs.map((input) =>
        attempt(() => {
          if (typeof spec[oneName] !== "function") throw new Unsupported(`this connector does not ${what}`);
          return spec[oneName](input) ?? undefined;
        }),
      ));
  return {
    describe: () => {
      const d = spec.describe();
      return {
        platform: String(d.platform),
        fields: (d.fields ?? []).map((f) => ({ name: f.name, fieldType: f.fieldType ?? "string", writable: Boolean(f.writable) })),
        capabilities: { incremental: false, webhooks: false, originMarkers: false, ...(d.capabilities ?? {}) },
      };
    },
    listChanged: (request) =>
      orThrowPayload(() => {
        const page = spec.listChanged(request);
        return { items: page.items ?? [], nextCursor: page.nextCursor ?? undefined };
      }),
    get: perItem("getBatch", "getOne", "get items by id"),
    create: perItem("createBatch", "createOne", "create items"),
    update: perItem("updateBatch", "updateOne", "update items"),
    findByOrigin: perItem("findByOriginBatch", "findByOrigin", "find items by origin marker"),
    parseWebhook: (delivery) =>
      orThrowPayload(() => {
        if (typeof spec.parseWebhook !== "function") throw new Unsupported("this connector does not read webhooks");
        return Array.from(spec.parseWebhook(delivery), String);
      }),
  };
}
