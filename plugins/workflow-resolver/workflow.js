// pmsync resolver `workflow_order`: when both sides changed a status-like field, the side
// whose status is further along the workflow wins ("Done" beats "In Progress").
//
// Settings (`plugins.settings.workflow-resolver`):
//   order      the statuses first to last (default To Do, In Progress, In Review, Done),
//              matched without regard to case or surrounding spaces;
//   fields     the fields decided by the order (default `status`, `state`): the mapping's
//              source field name, as the conflict names it;
//   otherwise  what happens to any other field, and to a status outside the order:
//              `defer` (default: left to a person, shown by `conflicts list` with the
//              reason) or `newer` (the side updated later wins; the source on a tie).
import { InvalidInput, Resolution, defineResolver, listSetting, log, setting, textOf } from "./pmsync_sdk.js";

export const DEFAULT_ORDER = ["To Do", "In Progress", "In Review", "Done"];
export const DEFAULT_FIELDS = ["status", "state"];
const MAX_ORDER = 1000;

const norm = (s) => s.trim().toLowerCase();

/** The operator's settings, checked: a clear error names a bad one. */
export function readSettings() {
  const order = listSetting("order", DEFAULT_ORDER);
  if (order.length === 0) throw new InvalidInput("setting `order` is empty; list the workflow's statuses first to last");
  if (order.length > MAX_ORDER) throw new InvalidInput(`setting \`order\` lists ${order.length} statuses; at most ${MAX_ORDER}`);
  const seen = new Map();
  for (const status of order) {
    if (seen.has(norm(status))) throw new InvalidInput(`setting \`order\` lists ${JSON.stringify(status)} twice`);
    seen.set(norm(status), seen.size);
  }
  const fields = listSetting("fields", DEFAULT_FIELDS).map(norm);
  const otherwise = setting("otherwise", "defer").trim();
  if (otherwise !== "defer" && otherwise !== "newer") {
    throw new InvalidInput(`setting \`otherwise\` is ${JSON.stringify(otherwise)}; expected \`defer\` or \`newer\``);
  }
  return { rank: seen, order, fields, otherwise };
}

function newer(source, target, why) {
  const s = Date.parse(source.updatedAt);
  const t = Date.parse(target.updatedAt);
  if (Number.isNaN(s) || Number.isNaN(t)) {
    const [side, item] = Number.isNaN(s) ? ["source", source] : ["target", target];
    throw new InvalidInput(`cannot tell which side is newer: the ${side} item ${item.key} has updated-at ${JSON.stringify(item.updatedAt)}`);
  }
  log.debug(`${why}; the ${t > s ? "target" : "source"} is newer`);
  return t > s ? Resolution.takeTarget() : Resolution.takeSource();
}

function otherwise(settings, conflict, items, reason) {
  return settings.otherwise === "newer" ? newer(items.source, items.target, reason) : Resolution.defer(reason);
}

/** Decides one conflict. */
export function decide(conflict, items, settings = readSettings()) {
  if (!settings.fields.includes(norm(conflict.field))) {
    return otherwise(settings, conflict, items, `\`${conflict.field}\` is not a workflow field (${settings.fields.join(", ")})`);
  }
  const source = textOf(conflict.source);
  const target = textOf(conflict.target);
  const sourceRank = source === undefined ? undefined : settings.rank.get(norm(source));
  const targetRank = target === undefined ? undefined : settings.rank.get(norm(target));
  if (sourceRank === undefined || targetRank === undefined) {
    const outside = [sourceRank === undefined ? `source ${show(conflict.source)}` : null, targetRank === undefined ? `target ${show(conflict.target)}` : null]
      .filter(Boolean)
      .join(" and ");
    return otherwise(settings, conflict, items, `\`${conflict.field}\`: ${outside} not in the workflow order (${settings.order.join(" → ")})`);
  }
  log.info(`${conflict.field}: ${source} vs ${target} → ${targetRank > sourceRank ? target : source}`);
  return targetRank > sourceRank ? Resolution.takeTarget() : Resolution.takeSource();
}

function show(value) {
  const text = textOf(value);
  return text === undefined ? `(${value.tag})` : JSON.stringify(text);
}

export const workflowResolver = defineResolver({
  name: "workflow_order",
  resolveRequest(request) {
    const settings = readSettings();
    const items = { source: request.source, target: request.target };
    return request.conflicts.map((conflict) => decide(conflict, items, settings));
  },
});
