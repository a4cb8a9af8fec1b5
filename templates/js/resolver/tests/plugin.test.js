// The resolver's logic, natively: node --test
import { test } from "node:test";
import assert from "node:assert/strict";
import { Value, makeItem, testHost } from "../pmsync_sdk.js";
import { plugin } from "../plugin.js";

const source = makeItem({ id: "1", key: "PROJ-1", updatedAt: "2024-05-01T10:00:00Z" });
const target = makeItem({ id: "2", key: "#2", updatedAt: "2024-05-01T12:00:00Z" });

function resolveOne(field, from, to) {
  const [result] = plugin.resolve([{ source, target, conflicts: [{ field, source: from, target: to }] }]);
  return result;
}

test("the longer text wins", () => {
  testHost();
  assert.deepEqual(resolveOne("summary", Value.text("a longer title"), Value.text("short")), { tag: "ok", val: [{ tag: "take-source" }] });
  assert.deepEqual(resolveOne("summary", Value.text("short"), Value.text("a longer title")), { tag: "ok", val: [{ tag: "take-target" }] });
});

test("equally long texts go to the side the operator prefers", () => {
  testHost({ settings: { prefer: "target" } });
  assert.deepEqual(resolveOne("summary", Value.text("abc"), Value.text("xyz")), { tag: "ok", val: [{ tag: "take-target" }] });
});

test("values that are not text are left to a person", () => {
  testHost();
  assert.deepEqual(resolveOne("points", Value.integer(3), Value.integer(5)), { tag: "ok", val: [{ tag: "defer", val: "`points` is not text on both sides" }] });
});

test("a bad setting fails the item with a message naming it", () => {
  testHost({ settings: { prefer: "both" } });
  const result = resolveOne("summary", Value.text("a"), Value.text("b"));
  assert.equal(result.tag, "err");
  assert.match(result.val.val, /setting `prefer` is "both"/);
});
