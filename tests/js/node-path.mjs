// `node --import ./tests/js/node-path.mjs`: ES modules find bare specifiers ("react") in
// NODE_PATH, as CommonJS's require does — Node's ES module resolver ignores NODE_PATH, and
// Debian installs React under /usr/share/nodejs (NODE_PATH=/usr/share/nodejs), with no
// node_modules folder above react.js to find it in. A module resolve hook, no copy, no link.

import { createRequire, register } from "node:module";
import { pathToFileURL } from "node:url";
import { isMainThread } from "node:worker_threads";

// This file is also the hooks module: loaded again on Node's hooks thread, it registers nothing.
if (isMainThread) register(import.meta.url);

/** Node's resolution first; a bare specifier it cannot find is looked up by require's rules. */
export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    if (error?.code !== "ERR_MODULE_NOT_FOUND" || /^[./]|^[a-z]+:/i.test(specifier)) throw error;
    let file;
    try {
      file = createRequire(context.parentURL ?? import.meta.url).resolve(specifier);
    } catch {
      throw error;
    }
    return { url: pathToFileURL(file).href, shortCircuit: true };
  }
}
