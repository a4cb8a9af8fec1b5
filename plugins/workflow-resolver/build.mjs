// Builds this plugin's WebAssembly component with componentize-js: `component.js` (which
// imports the plugin's other modules) against `wit/pmsync.wit`, in the world of the kind
// `plugin.toml` declares, written under the file name its `component` key gives.
//
// Run by build.sh; `node build.mjs` also works once the toolchain is installed. The
// toolchain is the componentize-js in ./node_modules, or the one under
// $PMSYNC_COMPONENTIZE_JS_DIR/node_modules when that is set.
import { readFile, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const manifest = await readFile(join(here, "plugin.toml"), "utf8");
const key = (name) => manifest.match(new RegExp(`^${name}\\s*=\\s*"([^"]*)"`, "m"))?.[1];
const kind = key("kind");
const output = key("component");
if (!["transformer", "resolver", "connector"].includes(kind)) {
  console.error(`plugin.toml: kind is ${JSON.stringify(kind)}; expected transformer, resolver or connector`);
  process.exit(2);
}
if (!output || output.includes("/")) {
  console.error(`plugin.toml: component is ${JSON.stringify(output)}; expected a file name such as "my_plugin.wasm"`);
  process.exit(2);
}

const toolchain = resolve(process.env.PMSYNC_COMPONENTIZE_JS_DIR || here);
const entry = join(toolchain, "node_modules", "@bytecodealliance", "componentize-js", "src", "componentize.js");
let componentize;
try {
  ({ componentize } = await import(pathToFileURL(entry).href));
} catch (error) {
  console.error(`componentize-js is not installed at ${entry} (${error.code ?? error.message}); run sh build.sh`);
  process.exit(2);
}

const started = Date.now();
// A default build: every StarlingMonkey feature on. The host links `wasi:http` and denies
// its requests, so `fetch` fails at call time; plugins reach the network only through the
// SDK's `http` (the host's `pmsync:plugin/http` import, connectors only).
const { component } = await componentize({
  sourcePath: join(here, "component.js"),
  witPath: join(here, "wit"),
  worldName: `${kind}-plugin`,
});
await writeFile(join(here, output), component);
const mb = (component.length / 1e6).toFixed(1);
console.log(`built ${output}: ${mb} MB in ${((Date.now() - started) / 1000).toFixed(1)} s`);
