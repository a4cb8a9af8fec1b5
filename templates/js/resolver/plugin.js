// Resolver `{{name_snake}}`: decides a conflict (both sides changed a field differently
// since the last sync). Called once per conflicting field; return a Resolution:
// takeSource(), takeTarget(), merged(value) or defer(reason) (left to a person).
import { InvalidInput, Resolution, defineResolver, log, setting, textOf } from "./pmsync_sdk.js";

export const plugin = defineResolver({
  name: "{{name_snake}}",
  resolve(conflict, { source, target }) {
    const prefer = setting("prefer", "source");
    if (prefer !== "source" && prefer !== "target") {
      throw new InvalidInput(`setting \`prefer\` is ${JSON.stringify(prefer)}; expected source or target`);
    }
    const a = textOf(conflict.source);
    const b = textOf(conflict.target);
    if (a === undefined || b === undefined) {
      return Resolution.defer(`\`${conflict.field}\` is not text on both sides`);
    }
    log.debug(`${source.key} / ${target.key}: ${conflict.field}`);
    if (a.length === b.length) return prefer === "source" ? Resolution.takeSource() : Resolution.takeTarget();
    return a.length > b.length ? Resolution.takeSource() : Resolution.takeTarget();
  },
});
