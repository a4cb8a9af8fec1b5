// The component's entry: connects the host's imports to the SDK and exports the
// connector. Your logic is in plugin.js, tested natively with `node --test`.
import { log } from "pmsync:plugin/log@1.0.0";
import { get, entries } from "pmsync:plugin/config@1.0.0";
import { send } from "pmsync:plugin/http@1.0.0";
import { connectHost } from "./pmsync_sdk.js";
import { plugin } from "./plugin.js";

connectHost({ log: { log }, config: { get, entries }, http: { send } });

export const connector = plugin;
