// The WIT `value` variant and plain JavaScript values, both ways.
import { test } from "node:test";
import assert from "node:assert/strict";
import { InvalidInput, Value, isValue, textOf, toJs, toWit } from "../pmsync_sdk.js";

test("plain values become the WIT value a host expects", () => {
  assert.deepEqual(toWit(null), { tag: "null" });
  assert.deepEqual(toWit(undefined), { tag: "null" });
  assert.deepEqual(toWit(true), { tag: "boolean", val: true });
  assert.deepEqual(toWit(3), { tag: "integer", val: 3n });
  assert.deepEqual(toWit(2.5), { tag: "number", val: 2.5 });
  assert.deepEqual(toWit("x"), { tag: "text", val: "x" });
  assert.deepEqual(toWit(["a", "b"]), { tag: "text-list", val: ["a", "b"] });
  assert.deepEqual(toWit(new Date("2024-05-01T12:00:00Z")), { tag: "datetime", val: "2024-05-01T12:00:00.000Z" });
  assert.deepEqual(toWit({ a: [1, { b: 2 }] }), { tag: "json", val: '{"a":[1,{"b":2}]}' });
  assert.deepEqual(toWit([1, 2]), { tag: "json", val: "[1,2]" });
});

test("integers travel as BigInt (WIT s64) and come back as numbers when they fit", () => {
  assert.equal(typeof Value.integer(7).val, "bigint");
  assert.equal(toJs({ tag: "integer", val: 7n }), 7);
  assert.equal(toJs({ tag: "integer", val: 2n ** 60n }), 2n ** 60n);
});

test("every WIT value converts to plain JavaScript and back to itself", () => {
  const values = [
    Value.null(),
    Value.boolean(false),
    Value.integer(-4),
    Value.number(0.25),
    Value.text("hello"),
    Value.textList(["x", "y"]),
    Value.json({ nested: { list: [1, 2] } }),
  ];
  for (const value of values) {
    assert.ok(isValue(value), JSON.stringify(value, (_, v) => (typeof v === "bigint" ? `${v}n` : v)));
    assert.deepEqual(toWit(toJs(value)), value);
  }
});

test("dates and instants read as their strings", () => {
  assert.equal(toJs(Value.date("2024-05-01")), "2024-05-01");
  assert.equal(textOf(Value.datetime("2024-05-01T12:00:00Z")), "2024-05-01T12:00:00Z");
  assert.equal(Value.date(new Date("2024-05-01T23:00:00Z")).val, "2024-05-01");
  assert.equal(textOf(Value.integer(1)), undefined);
});

test("bad input is an InvalidInput error saying what was wrong", () => {
  assert.throws(() => toJs({ tag: "json", val: "{oops" }), (e) => e instanceof InvalidInput && /not valid JSON/.test(e.message) && /\{oops/.test(e.message));
  assert.throws(() => toJs({ tag: "colour", val: "red" }), (e) => e instanceof InvalidInput && /not a pmsync value/.test(e.message));
  assert.throws(() => toWit(Number.NaN), (e) => e instanceof InvalidInput && /not a finite number/.test(e.message));
  assert.throws(() => Value.integer(1.5), (e) => e instanceof InvalidInput && /not a whole number/.test(e.message));
  assert.throws(() => toWit(() => 1), (e) => e instanceof InvalidInput && /function/.test(e.message));
});
