// Transforms `{{name_snake}}` (Title Case) and `{{name_snake}}_reverse` (lower case).
// Each gets one WIT value and its context (field, platforms, item key) and returns a
// value (a plain JavaScript one is converted, see toWit in pmsync_sdk.js). Throw
// InvalidInput for a value that can never be transformed: that item fails, not the batch.
import { InvalidInput, Value, defineTransformer, listSetting } from "./pmsync_sdk.js";

const DEFAULT_SMALL_WORDS = ["a", "an", "and", "of", "the", "to"];

function text(value, context) {
  if (value.tag === "null") return null;
  if (value.tag !== "text") throw new InvalidInput(`${context.itemKey} ${context.field}: expected text, got ${value.tag}`);
  return value.val;
}

export function titleCase(s, small = DEFAULT_SMALL_WORDS) {
  return s
    .toLowerCase()
    .split(" ")
    .map((word, i) => (i > 0 && small.includes(word) ? word : word.charAt(0).toUpperCase() + word.slice(1)))
    .join(" ");
}

export const plugin = defineTransformer({
  transforms: {
    {{name_snake}}(value, context) {
      const s = text(value, context);
      return s === null ? Value.null() : Value.text(titleCase(s, listSetting("small_words", DEFAULT_SMALL_WORDS)));
    },
    {{name_snake}}_reverse(value, context) {
      const s = text(value, context);
      return s === null ? Value.null() : Value.text(s.toLowerCase());
    },
  },
});
