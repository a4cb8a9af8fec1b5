// The connector's logic, natively, against a fake tracker: node --test
import { test } from "node:test";
import assert from "node:assert/strict";
import { Value, testHost, toJs } from "../pmsync_sdk.js";
import { plugin } from "../plugin.js";

const BASE = "https://tracker.example";
const settings = { base_url: `${BASE}/`, project: "OPS" };

/** A tracker holding `tickets`, answering the API plugin.js describes. */
function tracker(tickets) {
  return (request) => {
    const url = new URL(request.url);
    const json = () => JSON.parse(new TextDecoder().decode(request.body));
    if (request.method === "GET" && url.pathname === "/api/projects/OPS/tickets") {
      const origin = url.searchParams.get("origin");
      if (origin) return { body: { tickets: tickets.filter((t) => t.origin === origin), next: null } };
      const after = Number(url.searchParams.get("after") ?? 0);
      const limit = Number(url.searchParams.get("limit"));
      const rest = tickets.filter((t) => t.id > after);
      const page = rest.slice(0, limit);
      return { body: { tickets: page, next: rest.length > limit ? page[page.length - 1].id : null } };
    }
    const one = url.pathname.match(/^\/api\/tickets\/(\d+)$/);
    if (one) {
      const ticket = tickets.find((t) => t.id === Number(one[1]));
      if (!ticket) return { status: 404, body: "no such ticket" };
      if (request.method === "PATCH") Object.assign(ticket, json(), { updated_at: "2024-05-02T00:00:00Z" });
      return { body: ticket };
    }
    if (request.method === "POST" && url.pathname === "/api/projects/OPS/tickets") {
      const ticket = { id: tickets.length + 1, status: "open", ...json(), updated_at: "2024-05-02T00:00:00Z" };
      tickets.push(ticket);
      return { status: 201, body: ticket };
    }
    return { status: 400, body: `unexpected ${request.method} ${request.url}` };
  };
}

const seed = () => [
  { id: 1, title: "First", status: "open", origin: null, updated_at: "2024-05-01T10:00:00Z" },
  { id: 2, title: "Second", status: "done", origin: null, updated_at: "2024-05-01T11:00:00Z" },
  { id: 3, title: "Third", status: "open", origin: null, updated_at: "2024-05-01T12:00:00Z" },
];

test("listing pages through every ticket with the token credential", () => {
  const { requests } = testHost({ settings, http: tracker(seed()) });
  const first = plugin.listChanged({ pageSize: 2, filter: {} });
  assert.deepEqual(first.items.map((i) => i.key), ["T-1", "T-2"]);
  assert.equal(first.nextCursor, "2");
  const second = plugin.listChanged({ pageSize: 2, cursor: first.nextCursor, filter: {} });
  assert.deepEqual(second.items.map((i) => i.key), ["T-3"]);
  assert.equal(second.nextCursor, undefined);
  assert.equal(requests[0].url, `${BASE}/api/projects/OPS/tickets?limit=2`);
  assert.ok(requests.every((r) => r.credential === "token"));
});

test("get answers one result per id, a missing ticket as not-found", () => {
  testHost({ settings, http: tracker(seed()) });
  const [found, missing] = plugin.get(["2", "9"]);
  assert.equal(toJs(found.val.fields.find((f) => f.name === "status").value), "done");
  assert.equal(missing.tag, "err");
  assert.equal(missing.val.tag, "not-found");
});

test("create stores the origin marker and find-by-origin finds the ticket again", () => {
  const tickets = seed();
  testHost({ settings, http: tracker(tickets) });
  const [created] = plugin.create([{ origin: "pmsync:jira:PROJ-1", fields: [{ name: "title", value: Value.text("New") }] }]);
  assert.equal(created.tag, "ok");
  assert.equal(created.val.key, "T-4");
  assert.equal(tickets[3].origin, "pmsync:jira:PROJ-1");
  const [again, none] = plugin.findByOrigin(["pmsync:jira:PROJ-1", "pmsync:jira:PROJ-2"]);
  assert.equal(again.val.id, "4");
  assert.deepEqual(none, { tag: "ok", val: undefined });
});

test("update sends only tracker fields and refuses values the tracker cannot hold", () => {
  const tickets = seed();
  testHost({ settings, http: tracker(tickets) });
  const [ok, badStatus, unknown] = plugin.update([
    { id: "1", fields: [{ name: "status", value: Value.text("done") }] },
    { id: "1", fields: [{ name: "status", value: Value.text("blocked") }] },
    { id: "1", fields: [{ name: "priority", value: Value.integer(1) }] },
  ]);
  assert.equal(ok.tag, "ok");
  assert.equal(tickets[0].status, "done");
  assert.equal(badStatus.val.val, '`status` is open or done, got "blocked"');
  assert.equal(unknown.val.val, "the tracker has no field `priority` (it has title, status)");
});

test("a missing setting and a refused request are clear errors", () => {
  testHost({ settings: { base_url: BASE } });
  assert.throws(() => plugin.listChanged({ pageSize: 10, filter: {} }), (e) => e.payload.val === "setting `project` is missing");
  testHost({ settings });
  assert.throws(
    () => plugin.listChanged({ pageSize: 10, filter: {} }),
    (e) => e.payload.tag === "unauthorized" && /refused by the host/.test(e.payload.val),
  );
});
