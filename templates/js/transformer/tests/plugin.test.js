// The transformer's logic, natively: node --test
import { test } from "node:test";
import assert from "node:assert/strict";
import { Value, testHost } from "../pmsync_sdk.js";
import { plugin } from "../plugin.js";

const context = { field: "summary -> title", sourcePlatform: "jira", targetPlatform: "github", itemKey: "PROJ-1" };

test("both transforms are provided", () => {
  assert.deepEqual(plugin.names(), ["{{name_snake}}", "{{name_snake}}_reverse"]);
});

test("a title is title-cased, small words kept small, and back to lower case", () => {
  testHost();
  const [there, back] = plugin.transformBatch([
    { name: "{{name_snake}}", value: Value.text("the lord of the rings"), context },
    { name: "{{name_snake}}_reverse", value: Value.text("The Lord of the Rings"), context },
  ]);
  assert.deepEqual(there, { tag: "ok", val: Value.text("The Lord of the Rings") });
  assert.deepEqual(back, { tag: "ok", val: Value.text("the lord of the rings") });
});

test("the operator's small words replace the defaults", () => {
  testHost({ settings: { small_words: "of" } });
  const [result] = plugin.transformBatch([{ name: "{{name_snake}}", value: Value.text("the lord of the rings"), context }]);
  assert.deepEqual(result, { tag: "ok", val: Value.text("The Lord of The Rings") });
});

test("a value that is not text fails only its own item", () => {
  testHost();
  const [bad, good] = plugin.transformBatch([
    { name: "{{name_snake}}", value: Value.integer(3), context },
    { name: "{{name_snake}}", value: Value.null(), context },
  ]);
  assert.deepEqual(bad, { tag: "err", val: { tag: "invalid-input", val: "PROJ-1 summary -> title: expected text, got integer" } });
  assert.deepEqual(good, { tag: "ok", val: Value.null() });
});
