// The workflow_order resolver's decisions, run natively: node --test
import { test } from "node:test";
import assert from "node:assert/strict";
import { Value, makeItem, testHost } from "../pmsync_sdk.js";
import { workflowResolver } from "../workflow.js";

const source = makeItem({ id: "10001", key: "PROJ-1", updatedAt: "2024-05-01T10:00:00Z" });
const target = makeItem({ id: "7", key: "ENG-7", updatedAt: "2024-05-01T12:00:00Z" });

function decide(field, from, to) {
  const [result] = workflowResolver.resolve([
    { source, target, conflicts: [{ field, source: Value.text(from), target: Value.text(to), base: Value.text("To Do") }] },
  ]);
  assert.equal(result.tag, "ok", JSON.stringify(result));
  return result.val[0];
}

test("the status further along the workflow wins, whichever side has it", () => {
  testHost();
  assert.deepEqual(decide("status", "Done", "In Progress"), { tag: "take-source" });
  assert.deepEqual(decide("status", "In Progress", "In Review"), { tag: "take-target" });
  assert.deepEqual(decide("state", "in review", " to do "), { tag: "take-source" });
});

test("a status outside the order is left to a person with the reason", () => {
  testHost();
  const resolution = decide("status", "Blocked", "Done");
  assert.equal(resolution.tag, "defer");
  assert.equal(resolution.val, '`status`: source "Blocked" not in the workflow order (To Do → In Progress → In Review → Done)');
});

test("other fields are left to a person by default and go to the newer side when configured", () => {
  testHost();
  assert.deepEqual(decide("summary", "Jira title", "Linear title"), {
    tag: "defer",
    val: "`summary` is not a workflow field (status, state)",
  });
  testHost({ settings: { otherwise: "newer" } });
  assert.deepEqual(decide("summary", "Jira title", "Linear title"), { tag: "take-target" });
});

test("the operator's order and fields replace the defaults", () => {
  testHost({ settings: { order: '["Backlog", "Doing", "Shipped"]', fields: "stage" } });
  assert.deepEqual(decide("stage", "Shipped", "Doing"), { tag: "take-source" });
  assert.equal(decide("status", "Done", "To Do").tag, "defer");
  testHost({ settings: { order: "Open, Closed" } });
  assert.deepEqual(decide("state", "open", "closed"), { tag: "take-target" });
});

test("a bad setting fails the item pair with a message naming the setting", () => {
  for (const [settings, message] of [
    [{ order: '["To Do", "to do"]' }, 'setting `order` lists "to do" twice'],
    [{ order: "[]" }, "setting `order` is empty"],
    [{ order: '["To Do",' }, "setting `order` is not a JSON list"],
    [{ otherwise: "coin-flip" }, 'setting `otherwise` is "coin-flip"; expected `defer` or `newer`'],
  ]) {
    testHost({ settings });
    const [result] = workflowResolver.resolve([
      { source, target, conflicts: [{ field: "status", source: Value.text("Done"), target: Value.text("To Do") }] },
    ]);
    assert.equal(result.tag, "err");
    assert.equal(result.val.tag, "invalid-input");
    assert.ok(result.val.val.startsWith(message), result.val.val);
  }
});

test("a status that is not text is left to a person", () => {
  testHost();
  const [result] = workflowResolver.resolve([
    { source, target, conflicts: [{ field: "status", source: Value.integer(3), target: Value.text("Done") }] },
  ]);
  assert.deepEqual(result.val[0], { tag: "defer", val: '`status`: source (integer) not in the workflow order (To Do → In Progress → In Review → Done)' });
});

test("several item pairs are answered in order, one per request", () => {
  testHost();
  const results = workflowResolver.resolve([
    { source, target, conflicts: [{ field: "status", source: Value.text("Done"), target: Value.text("To Do") }] },
    { source, target, conflicts: [] },
    { source, target, conflicts: [{ field: "status", source: Value.text("To Do"), target: Value.text("Done") }] },
  ]);
  assert.deepEqual(results, [
    { tag: "ok", val: [{ tag: "take-source" }] },
    { tag: "ok", val: [] },
    { tag: "ok", val: [{ tag: "take-target" }] },
  ]);
  assert.equal(workflowResolver.name(), "workflow_order");
});
