// The component's entry: connects the host's imports to the SDK and exports the resolver.
// The logic is in workflow.js (tested natively with `node --test`).
import { log } from "pmsync:plugin/log@1.0.0";
import { get, entries } from "pmsync:plugin/config@1.0.0";
import { connectHost } from "./pmsync_sdk.js";
import { workflowResolver } from "./workflow.js";

connectHost({ log: { log }, config: { get, entries } });

export const resolver = workflowResolver;
