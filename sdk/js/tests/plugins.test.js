// Per-item functions become the batch exports the host calls; settings, logs and HTTP
// through a test host.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  InvalidInput,
  NotFound,
  Resolution,
  Value,
  booleanSetting,
  defineConnector,
  defineResolver,
  defineTransformer,
  fieldOf,
  http,
  listSetting,
  log,
  makeItem,
  setting,
  settings,
  testHost,
  toJs,
} from "../pmsync_sdk.js";

const context = { field: "summary -> title", sourcePlatform: "jira", targetPlatform: "github", itemKey: "PROJ-1" };

test("a transformer answers one result per request, in order, one bad value failing only its item", () => {
  const transformer = defineTransformer({
    transforms: {
      upper: (value) => toJs(value).toUpperCase(),
      words: (value) => toJs(value).split(" "),
    },
  });
  assert.deepEqual(transformer.names(), ["upper", "words"]);
  const results = transformer.transformBatch([
    { name: "upper", value: Value.text("abc"), context },
    { name: "upper", value: Value.integer(1), context },
    { name: "words", value: Value.text("a b"), context },
    { name: "nope", value: Value.text("a"), context },
  ]);
  assert.deepEqual(results[0], { tag: "ok", val: Value.text("ABC") });
  assert.equal(results[1].tag, "err");
  assert.equal(results[1].val.tag, "invalid-input");
  assert.match(results[1].val.val, /toUpperCase is not a function/);
  assert.deepEqual(results[2], { tag: "ok", val: Value.textList(["a", "b"]) });
  assert.deepEqual(results[3], { tag: "err", val: { tag: "unsupported", val: "no transform named `nope` here (this plugin has: upper, words)" } });
});

const source = makeItem({ id: "1", key: "PROJ-1", updatedAt: "2024-05-01T10:00:00Z", fields: { priority: 1 } });
const target = makeItem({ id: "2", key: "#2", updatedAt: "2024-05-01T12:00:00Z", fields: { priority: 3 } });

test("a per-conflict resolve answers the batch: one list of resolutions per item pair", () => {
  const resolver = defineResolver({
    name: "longer",
    resolve(conflict, items) {
      assert.equal(items.source.key, "PROJ-1");
      if (conflict.field === "labels") return Resolution.merged([...toJs(conflict.source), ...toJs(conflict.target)]);
      if (conflict.field === "assignee") return Resolution.defer("people decide assignees");
      return toJs(conflict.source).length >= toJs(conflict.target).length ? Resolution.takeSource() : Resolution.takeTarget();
    },
  });
  assert.equal(resolver.name(), "longer");
  const [result] = resolver.resolve([
    {
      source,
      target,
      conflicts: [
        { field: "summary", source: Value.text("long title"), target: Value.text("short"), base: undefined },
        { field: "labels", source: Value.textList(["a"]), target: Value.textList(["b"]), base: Value.textList([]) },
        { field: "assignee", source: Value.text("mia"), target: Value.text("noah"), base: undefined },
      ],
    },
  ]);
  assert.deepEqual(result, {
    tag: "ok",
    val: [{ tag: "take-source" }, { tag: "merged", val: Value.textList(["a", "b"]) }, { tag: "defer", val: "people decide assignees" }],
  });
});

test("a resolver that answers something that is not a resolution fails the pair with a message naming the field", () => {
  const resolver = defineResolver({ name: "sloppy", resolve: () => "source" });
  const [result] = resolver.resolve([
    { source, target, conflicts: [{ field: "summary", source: Value.text("a"), target: Value.text("b") }] },
  ]);
  assert.equal(result.tag, "err");
  assert.match(result.val.val, /answered "source" for field `summary`; expected Resolution.takeSource\(\)/);
});

test("settings, typed setting readers and logs come from the host", () => {
  const { logs } = testHost({ settings: { order: '["a", "b"]', fields: "x, y", strict: "true", limit: "3" } });
  assert.deepEqual(listSetting("order"), ["a", "b"]);
  assert.deepEqual(listSetting("fields"), ["x", "y"]);
  assert.deepEqual(listSetting("missing", ["z"]), ["z"]);
  assert.equal(booleanSetting("strict"), true);
  assert.equal(setting("limit"), "3");
  assert.equal(setting("absent", "fallback"), "fallback");
  assert.equal(Object.keys(settings()).length, 4);
  log.warn("careful", { n: 1 });
  assert.deepEqual(logs, [["warn", 'careful {"n":1}']]);
  testHost({ settings: { order: "[1, 2]", strict: "yes" } });
  assert.throws(() => listSetting("order"), (e) => e instanceof InvalidInput && /`order` must be a list of strings/.test(e.message));
  assert.throws(() => booleanSetting("strict"), (e) => e instanceof InvalidInput && /expected true or false/.test(e.message));
});

test("http goes through the host's import with the credential's name, and statuses become typed errors", () => {
  const { requests } = testHost({
    http: (request) => {
      if (request.url.endsWith("/items/9")) return { status: 404, body: "no such item" };
      if (request.url.endsWith("/slow")) throw { payload: { tag: "timeout", val: "30 s" } };
      return { status: 200, headers: [["content-type", "application/json"]], body: { id: "1", echo: JSON.parse(new TextDecoder().decode(request.body ?? new Uint8Array([123, 125]))) } };
    },
  });
  const answer = http.post("https://tracker.example/items", { title: "x" }, { credential: "token" }).json();
  assert.deepEqual(answer, { id: "1", echo: { title: "x" } });
  assert.equal(requests[0].method, "POST");
  assert.equal(requests[0].credential, "token");
  assert.ok(requests[0].headers.some(([k, v]) => k === "content-type" && v === "application/json"));
  assert.throws(() => http.get("https://tracker.example/items/9"), (e) => e instanceof NotFound && e.message === "GET https://tracker.example/items/9 answered 404: no such item");
  assert.throws(() => http.get("https://tracker.example/slow"), (e) => e.payload.tag === "transient" && /timed out: 30 s/.test(e.message));
  assert.equal(http.get("https://tracker.example/items/9", { allowStatus: [404] }).status, 404);
});

test("a connector's per-item functions answer the batch calls, a missing optional one answers unsupported", () => {
  const store = new Map([["1", makeItem({ id: "1", key: "T-1", updatedAt: "2024-05-01T10:00:00Z", fields: { title: "one" } })]]);
  const connector = defineConnector({
    describe: () => ({ platform: "tracker", fields: [{ name: "title", fieldType: "string", writable: true }] }),
    listChanged: ({ cursor }) => {
      if (cursor === "bad") throw new InvalidInput("cursor `bad` is not one this connector gave");
      return { items: [...store.values()] };
    },
    getOne: (id) => {
      const item = store.get(id);
      if (!item) throw new NotFound(`no item ${id}`);
      return item;
    },
  });
  assert.deepEqual(connector.describe(), {
    platform: "tracker",
    fields: [{ name: "title", fieldType: "string", writable: true }],
    capabilities: { incremental: false, webhooks: false, originMarkers: false },
  });
  assert.equal(connector.listChanged({ pageSize: 10, filter: {} }).items.length, 1);
  assert.equal(connector.listChanged({ pageSize: 10, filter: {} }).nextCursor, undefined);
  assert.throws(() => connector.listChanged({ cursor: "bad" }), (e) => e.payload.tag === "invalid-input" && !(e instanceof Error));
  const got = connector.get(["1", "2"]);
  assert.equal(toJs(fieldOf(got[0].val, "title")), "one");
  assert.deepEqual(got[1], { tag: "err", val: { tag: "not-found", val: "no item 2" } });
  assert.deepEqual(connector.create([{ origin: "o", fields: [] }]), [{ tag: "err", val: { tag: "unsupported", val: "this connector does not create items" } }]);
  assert.throws(() => connector.parseWebhook({ headers: [], body: new Uint8Array() }), (e) => e.payload.tag === "unsupported");
});
