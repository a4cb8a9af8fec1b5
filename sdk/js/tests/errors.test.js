// Typed errors reach the host as the matching WIT `plugin-error`; anything else thrown
// fails the item with its message and where it was thrown, never a trap.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  InvalidInput,
  NotFound,
  RateLimited,
  Transient,
  Unauthorized,
  Unsupported,
  errorForStatus,
  toPluginError,
} from "../pmsync_sdk.js";

test("each typed error carries its WIT case as an own payload property (what componentize-js reads)", () => {
  const cases = [
    [new InvalidInput("bad"), "invalid-input"],
    [new Transient("later"), "transient"],
    [new Unauthorized("who"), "unauthorized"],
    [new NotFound("gone"), "not-found"],
    [new Unsupported("no"), "unsupported"],
  ];
  for (const [error, tag] of cases) {
    assert.ok(Object.prototype.hasOwnProperty.call(error, "payload"));
    assert.deepEqual(error.payload, { tag, val: error.message });
    assert.deepEqual(toPluginError(error), { tag, val: error.message });
    assert.ok(error instanceof Error);
  }
});

test("a rate limit says how long to wait, as WIT u64 milliseconds", () => {
  const error = new RateLimited("slow down", 1500.2);
  assert.deepEqual(error.payload, { tag: "rate-limited", val: { retryAfterMs: 1501n, message: "slow down" } });
  assert.equal(new RateLimited("no delay given").retryAfterMs, 60000);
});

test("an unexpected exception fails the item with its message and stack, as invalid-input", () => {
  function parsePriority(value) {
    return value.name.toUpperCase();
  }
  let thrown;
  try {
    parsePriority(undefined);
  } catch (error) {
    thrown = error;
  }
  const payload = toPluginError(thrown);
  assert.equal(payload.tag, "invalid-input");
  assert.match(payload.val, /^TypeError: Cannot read properties of undefined/);
  assert.match(payload.val, /parsePriority/);
  assert.deepEqual(toPluginError("plain string"), { tag: "invalid-input", val: 'the plugin threw "plain string"' });
});

test("HTTP statuses map to the errors the host retries or not, as in the Rust SDK", () => {
  const req = "GET https://tracker.example/items/1";
  assert.equal(errorForStatus(200, [], "", req), undefined);
  assert.ok(errorForStatus(401, [], "", req) instanceof Unauthorized);
  assert.ok(errorForStatus(403, [], "", req) instanceof Unauthorized);
  assert.ok(errorForStatus(403, [["X-RateLimit-Remaining", "0"]], "", req) instanceof RateLimited);
  assert.ok(errorForStatus(404, [], "", req) instanceof NotFound);
  assert.ok(errorForStatus(503, [], "", req) instanceof Transient);
  const limited = errorForStatus(429, [["Retry-After", "2"]], "", req);
  assert.equal(limited.retryAfterMs, 2000);
  const bad = errorForStatus(422, [], '{"error":  "title\\n is required"}', req);
  assert.ok(bad instanceof InvalidInput);
  assert.equal(bad.message, `${req} answered 422: {"error": "title\\n is required"}`);
});
