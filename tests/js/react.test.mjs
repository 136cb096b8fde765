// The React hook (static/react.js) driven through Debian's React and react-test-renderer
// against a live deltajson server. tests/test_react.py starts the server (the demo app, with
// a probe recording what it sent on each stream and whether the client closed it) and runs:
//
//   DELTAJSON_URL=http://127.0.0.1:PORT NODE_PATH=/usr/share/nodejs \
//     node --import ./tests/js/node-path.mjs --test tests/js/
//
// Each state update the hook makes is counted where it happens: React's useState is wrapped
// before react.js is loaded, so the setter react.js gets is the counting one.

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";
import { after, test } from "node:test";
import { pathToFileURL } from "node:url";

const require = createRequire(import.meta.url);
const React = require("react");
const TestRenderer = require("react-test-renderer");

const BASE = process.env.DELTAJSON_URL;
assert.ok(BASE, "DELTAJSON_URL: the server to stream from (tests/test_react.py sets it)");
const STATIC = process.env.DELTAJSON_STATIC
  ? pathToFileURL(`${process.env.DELTAJSON_STATIC}/`)
  : new URL("../../python/deltajson/static/", import.meta.url);

/** Every state update, with whether the component was still mounted. */
const updates = [];
let mounted = false;
const realUseState = React.useState;
React.useState = function useState(initial) {
  const [state, setState] = realUseState(initial);
  return [state, (next) => { updates.push({ mounted }); setState(next); }];
};
const { useJSONStream } = await import(new URL("react.js", STATIC));
const { StreamError, streamJSON } = await import(new URL("deltajson.js", STATIC));
React.useState = realUseState;

function recordingValue(name) {
  return JSON.parse(readFileSync(new URL(`../data/recordings/${name}.json`, STATIC), "utf-8"));
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check, what, ms = 5000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const result = await check();
    if (result) return result;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** What the server sent on the stream tagged `tag`: {events: [{name, ops}], disconnected,
 * finished} (tests/test_react.py's probe). */
async function served(tag) {
  const response = await fetch(`${BASE}/_probe/streams/${tag}`);
  return response.ok ? response.json() : null;
}

/** What the server sent on the stream tagged `tag`, once that stream has ended there. */
function servedEnd(tag, ms = 5000) {
  return until(async () => {
    const seen = await served(tag);
    return seen?.finished ? seen : null;
  }, `the server to end the stream "${tag}"`, ms);
}

/** Lets the stream gated by `name` run to character `through` of the recording (or to its
 * end with `"open"`): the server's source waits at the gate (tests/gate.py), so a state
 * asserted mid-stream is reached because the test let the stream go that far. */
async function gate(name, through) {
  const query = through === "open" ? "open" : `through=${through}`;
  const response = await fetch(`${BASE}/_probe/gates/${name}?${query}`, { method: "POST" });
  assert.ok(response.ok, `gate ${name}: HTTP ${response.status}`);
}

/** Mounts a component using the hook; `renders` holds each render's state, `hook()` the
 * latest result. */
function mount(url, options) {
  const renders = [];
  let latest;
  function Probe() {
    latest = useJSONStream(url, options);
    const { value, completed, progress, status, error } = latest;
    renders.push({ value, completed, progress, status, error, json: JSON.stringify(value) });
    return null;
  }
  updates.length = 0;
  mounted = true;
  const renderer = TestRenderer.create(React.createElement(Probe));
  return {
    renders,
    hook: () => latest,
    unmount() {
      mounted = false;
      renderer.unmount();
    },
  };
}

function statuses(renders) {
  return renders.map((r) => r.status).filter((s, i, all) => i === 0 || all[i - 1] !== s);
}

after(() => {
  mounted = false;
});

test("idle, streaming, complete: one state update per event, the done value at the end", async () => {
  const tag = "complete";
  const probe = mount(`${BASE}/stream/trip_plan?tag=${tag}&gate=${tag}`);
  assert.equal(probe.hook().status, "idle");
  const started = probe.hook().start();
  // The stream goes in steps the test releases: each step adds text, so each ends in a new
  // render, whatever the machine's speed; the first stops inside the title.
  const text = readFileSync(new URL("../data/recordings/trip_plan.json", STATIC), "utf-8");
  const steps = [text.indexOf('"title"') + 15];
  for (let i = 1; i <= 16; i++) steps.push(Math.floor((text.length * i) / 16));
  for (const through of steps) {
    const before = probe.renders.length;
    await gate(tag, through);
    if (through < text.length) await until(() => probe.renders.length > before, `a render by ${through}`);
  }
  const final = await started;
  probe.unmount();

  const expected = recordingValue("trip_plan");
  assert.deepEqual(final, expected);
  assert.deepEqual(statuses(probe.renders), ["idle", "streaming", "complete"]);

  const wire = await servedEnd(tag);
  const patches = wire.events.filter((e) => e.name === "patch");
  assert.deepEqual(wire.events.map((e) => e.name), [...patches.map(() => "patch"), "done"]);
  assert.ok(patches.some((e) => e.ops > 1), "some event carries several ops");
  // start, each patch, done: one update each (and one render each: a legacy root renders
  // every update at once), never one per op.
  assert.equal(updates.length, 1 + patches.length + 1);
  assert.equal(probe.renders.length, 1 + updates.length);

  const last = probe.renders.at(-1);
  assert.deepEqual(last.value, expected);
  assert.equal(last.progress, 1);
  assert.equal(last.error, null);
  assert.ok(last.completed.includes(""), "the root is complete");
  const streaming = probe.renders.filter((r) => r.status === "streaming" && r.value !== undefined);
  assert.ok(streaming.length > 10);
  assert.ok(streaming[1].value.title.length < expected.title.length, "a partial title first");
  assert.ok(streaming.at(-1).progress > 0.9);
  assert.ok(streaming.every((r, i) => i === 0 || r.progress >= streaming[i - 1].progress));
  // Each render's value is its own: never changed afterwards ...
  for (const r of probe.renders) assert.equal(JSON.stringify(r.value), r.json);
  // ... new objects where an event changed something (the value, or what is complete) ...
  const changed = (r, i) => r.value !== streaming[i - 1].value || r.completed !== streaming[i - 1].completed;
  assert.ok(streaming.every((r, i) => i === 0 || changed(r, i)));
  assert.ok(streaming.some((r, i) => i > 0 && r.completed === streaming[i - 1].completed));
  // ... and the same objects where nothing changed.
  const since = streaming.findIndex((r) => r.completed.includes("/days/0"));
  assert.ok(since > 0 && since < streaming.length - 1);
  const day = streaming[since].value.days[0];
  assert.ok(streaming.slice(since).every((r) => r.value.days[0] === day), "/days/0 shared");
});

test("an error event: status error, the error, the last partial kept", async () => {
  const tag = "error";
  const probe = mount(`${BASE}/stream/broken_reply?tag=${tag}`, { body: { delay: 0 } });
  assert.equal(await probe.hook().start(), undefined);
  probe.unmount();

  assert.deepEqual(statuses(probe.renders), ["idle", "streaming", "error"]);
  const { error, value } = probe.renders.at(-1);
  assert.ok(error instanceof StreamError);
  assert.equal(error.name, "JSONError");
  assert.match(error.message, /^expected ',' or '\]'/);
  assert.equal(error.payload.type, "JSONError");
  assert.deepEqual(
    [error.payload.line, error.payload.column, error.payload.offset].map((n) => typeof n),
    ["number", "number", "number"],
  );
  const before = probe.renders.at(-2);
  assert.equal(before.status, "streaming");
  assert.equal(value, before.value, "the partial is kept as it was");
  assert.equal(value.days[1].stops[1], "Taylor's");
  assert.deepEqual(error.partial, value);

  const wire = await servedEnd(tag);
  const patches = wire.events.filter((e) => e.name === "patch").length;
  assert.equal(wire.events.at(-1).name, "error");
  assert.equal(updates.length, 1 + patches + 1);
});

test("abort: the request is cancelled, status back to idle, the partial kept", async () => {
  const tag = "abort";
  const probe = mount(`${BASE}/stream/trip_plan?tag=${tag}&gate=${tag}`);
  const started = probe.hook().start();
  await gate(tag, 40); // inside the title, where the stream waits
  await until(() => probe.renders.at(-1).value?.title, "a partial title");
  const partial = probe.renders.at(-1).value;
  probe.hook().abort();
  const count = updates.length;

  const last = probe.renders.at(-1);
  assert.equal(last.status, "idle");
  assert.equal(last.error, null);
  assert.equal(last.value, partial);
  const wire = await servedEnd(tag, 2000); // at once, not when the recording would end
  assert.equal(wire.disconnected, true);
  assert.ok(!wire.events.some((e) => e.name === "done"));
  assert.equal(await started, undefined);
  await gate(tag, "open"); // the rest of the source, were it still read, changes nothing
  await sleep(100);
  assert.equal(updates.length, count);
  probe.hook().abort(); // not streaming: nothing to do
  assert.equal(updates.length, count);
  probe.unmount();
});

test("unmount aborts: the server sees the request closed, no state update after", async () => {
  const tag = "unmount";
  const probe = mount(`${BASE}/stream/trip_plan?tag=${tag}&gate=${tag}`);
  const started = probe.hook().start();
  await gate(tag, 200); // the stream waits there
  await until(() => probe.renders.at(-1).value?.summary, "a partial summary");
  const count = updates.length;
  probe.unmount();
  const wire = await servedEnd(tag, 2000); // at once, not when the recording would end
  assert.equal(wire.disconnected, true);
  assert.ok(!wire.events.some((e) => e.name === "done"));
  assert.equal(await started, undefined);
  await gate(tag, "open");
  await sleep(100);
  assert.equal(updates.length, count);
  assert.ok(updates.every((u) => u.mounted), "no update after unmount");
});

test("start again: the running stream is replaced and makes no update after", async () => {
  const probe = mount(`${BASE}/stream/trip_plan?tag=first&gate=first`);
  const first = probe.hook().start();
  await gate("first", 40); // inside the title, where the first stream waits
  await until(() => probe.renders.at(-1).value?.title, "a partial title");
  const second = probe.hook().start({ body: { delay: 0 } });
  await gate("first", "open"); // the second request names the same gate
  assert.equal(await first, undefined);
  assert.deepEqual(await second, recordingValue("trip_plan"));
  const wire = await servedEnd("first", 2000);
  assert.equal(wire.disconnected, true);
  assert.equal(probe.renders.at(-1).status, "complete");
  // After the restart, values only grow from the new stream's empty start.
  const restart = probe.renders.findLastIndex((r) => r.status === "streaming" && r.value === undefined);
  assert.ok(restart > 0);
  const titles = probe.renders.slice(restart + 1).map((r) => r.value?.title ?? "");
  assert.ok(titles.every((t, i) => i === 0 || t.startsWith(titles[i - 1])));
  probe.unmount();
});

test("an HTTP error is an error too, and start's overrides change the request", async () => {
  const probe = mount(`${BASE}/stream/trip_plan`, { body: { delay: 0 } });
  await probe.hook().start({ body: { delay: -1 } });
  const { status, error, value } = probe.renders.at(-1);
  assert.equal(status, "error");
  assert.equal(error.name, "HTTPError");
  assert.equal(error.payload.status, 400);
  assert.equal(value, undefined);
  probe.unmount();
});

/** Starts a resumable stream of a recording on the demo server, its source held by the
 * gate `tag`; the URL of its events (requested with `?tag=`, so that `cut(tag)` applies). */
async function resumable(name, tag) {
  const query = `recording=${name}&delay=0&gate=${tag}`;
  const created = await fetch(`${BASE}/streams?${query}`, { method: "POST" });
  assert.equal(created.status, 201);
  const { events } = await created.json();
  return `${BASE}${events}?tag=${tag}`;
}

/** Cuts the connection of `tag`'s events at their next write (tests/gate.py's Dropper). */
async function cut(tag) {
  const response = await fetch(`${BASE}/_probe/cut/${tag}`, { method: "POST" });
  assert.ok(response.ok);
}

/** Runs a resumable stream of the trip plan: some of it, then its connection cut once the
 * client has had events, then the rest. `start(url)` starts the client; `seen()` says
 * whether it has had an update. */
async function cutMidway(tag, start, seen) {
  const url = await resumable("trip_plan", tag);
  const running = start(url);
  await gate(tag, 40);
  await until(seen, "a first update");
  await cut(tag);
  await gate(tag, "open"); // the next write is cut; the client opens the stream again
  return running;
}

test("a resumable stream whose connection drops is resumed where it was", async () => {
  const reconnects = [];
  let updates = 0;
  const final = await cutMidway("resume-plain", (url) => streamJSON(url, {
    reconnect: { delay: 10 },
    onReconnect(attempt, error) { reconnects.push([attempt, error.name]); },
    onUpdate() { updates += 1; },
  }), () => updates > 0);
  assert.deepEqual(final, recordingValue("trip_plan"));
  assert.deepEqual(reconnects, [[1, "NetworkError"]]);
});

test("without reconnection, a dropped stream fails with what it had", async () => {
  let failed;
  let updates = 0;
  await cutMidway("resume-off", (url) => streamJSON(url, {
    reconnect: false,
    onUpdate() { updates += 1; },
    onError(error) { failed = error; },
  }).catch(() => {}), () => updates > 0);
  assert.equal(failed.name, "NetworkError");
  assert.ok(failed.partial !== undefined, "the partial value is kept");
});

test("the hook says reconnecting while a dropped resumable stream is opened again", async () => {
  let probe;
  const final = await cutMidway("resume-hook", (url) => {
    probe = mount(url, { reconnect: { delay: 10 } });
    return probe.hook().start();
  }, () => probe.renders.at(-1).value !== undefined);
  probe.unmount();
  assert.deepEqual(final, recordingValue("trip_plan"));
  assert.deepEqual(statuses(probe.renders), ["idle", "streaming", "reconnecting", "streaming", "complete"]);
  const before = probe.renders.findIndex((r) => r.status === "reconnecting");
  assert.equal(probe.renders[before].value, probe.renders[before - 1].value, "the value is kept");
});

test("the browser guide's example component runs", async () => {
  const readme = readFileSync(new URL("../../docs/guides/browser.md", import.meta.url), "utf-8");
  const blocks = [...readme.matchAll(/```js\n(.*?)```/gs)].map((m) => m[1]);
  const example = blocks.find((b) => b.includes("useJSONStream"));
  assert.ok(example, "a js block using useJSONStream");
  // Its module, with the server's paths: the hook from the package, the stream from the demo.
  const source = example
    .replace('"/static/react.js"', JSON.stringify(new URL("react.js", STATIC).href))
    .replace('"/plan"', JSON.stringify(`${BASE}/stream/trip_plan?delay=0&tag=readme`));
  const folder = mkdtempSync(join(tmpdir(), "deltajson-readme-"));
  writeFileSync(join(folder, "plan.mjs"), source);
  const { Plan } = await import(pathToFileURL(join(folder, "plan.mjs")));
  rmSync(folder, { recursive: true });

  mounted = true;
  const renderer = TestRenderer.create(React.createElement(Plan, { messages: [] }));
  const stopDisabled = () => renderer.root.findAllByType("button")[1].props.disabled;
  assert.equal(stopDisabled(), true);
  renderer.root.findAllByType("button")[0].props.onClick();
  assert.equal(stopDisabled(), false, "streaming");
  await until(stopDisabled, "the end of the stream");
  const expected = recordingValue("trip_plan");
  assert.deepEqual(renderer.root.findByType("h2").children, [expected.title, " ✓"]);
  const themes = renderer.root.findAllByType("li").map((li) => li.children.join(""));
  assert.deepEqual(themes, expected.days.map((day) => day.theme));
  assert.equal(renderer.root.findByType("progress").props.value, 1);
  mounted = false;
  renderer.unmount();
});
