// deltajson.js's applyPatch, in place and immutable (the React hook's mode), under
// `node --test` (no server needed).

import assert from "node:assert/strict";
import { test } from "node:test";
import { pathToFileURL } from "node:url";

const STATIC = process.env.DELTAJSON_STATIC
  ? pathToFileURL(`${process.env.DELTAJSON_STATIC}/`)
  : new URL("../../python/deltajson/static/", import.meta.url);
const { applyPatch, parsePointer } = await import(new URL("deltajson.js", STATIC));

// A function: in place, the ops' values become part of the document (and change with it).
const ops = () => [
  { op: "add", path: "/title", value: "Li" },
  { op: "append", path: "/title", value: "sbon" },
  { op: "add", path: "/days/1", value: { stops: [] } },
  { op: "add", path: "/days/1/stops/0", value: "Belém" },
  { op: "append", path: "/days/1/stops/0", value: " tower" },
  { op: "replace", path: "/n", value: 2 },
  { op: "remove", path: "/gone" },
  { op: "add", path: "/a~1b", value: 1 },
];

function before() {
  return { title: "", days: [{ stops: ["Alfama"] }], n: 1, gone: true, keep: { x: [1] } };
}

const AFTER = {
  title: "Lisbon",
  days: [{ stops: ["Alfama"] }, { stops: ["Belém tower"] }],
  n: 2,
  keep: { x: [1] },
  "a/b": 1,
};

test("in place: the same document, changed", () => {
  const doc = before();
  assert.equal(applyPatch(doc, ops()), doc);
  assert.deepEqual(doc, AFTER);
});

test("immutable: the same result, the input untouched, unchanged parts shared", () => {
  const doc = before();
  const frozen = JSON.stringify(doc);
  const patch = ops();
  const sent = JSON.stringify(patch);
  const result = applyPatch(doc, patch, { immutable: true });
  assert.deepEqual(result, AFTER);
  assert.equal(JSON.stringify(doc), frozen);
  assert.equal(JSON.stringify(patch), sent, "nor the ops' values");
  assert.notEqual(result, doc);
  assert.notEqual(result.days, doc.days);
  assert.equal(result.days[0], doc.days[0], "an untouched item is the same object");
  assert.equal(result.keep, doc.keep, "an untouched member is the same object");
});

test("immutable: several ops on one container in one call", () => {
  const doc = { list: [] };
  const adds = Array.from({ length: 5 }, (_, i) => ({ op: "add", path: `/list/${i}`, value: i }));
  const result = applyPatch(doc, adds, { immutable: true });
  assert.deepEqual(result, { list: [0, 1, 2, 3, 4] });
  assert.deepEqual(doc, { list: [] });
  assert.deepEqual(applyPatch(result, [], { immutable: true }), result);
});

test("the root: add, append, remove", () => {
  for (const immutable of [false, true]) {
    let doc = applyPatch(undefined, [{ op: "add", path: "", value: "ab" }], { immutable });
    doc = applyPatch(doc, [{ op: "append", path: "", value: "c" }], { immutable });
    assert.equal(doc, "abc");
    assert.equal(applyPatch(doc, [{ op: "remove", path: "" }], { immutable }), undefined);
  }
});

test('a "__proto__" key is a member, as JSON.parse reads it, never the prototype', () => {
  for (const immutable of [false, true]) {
    const doc = applyPatch(undefined, [
      { op: "add", path: "", value: {} },
      { op: "add", path: "/__proto__", value: { polluted: true } },
      { op: "add", path: "/__proto__/more", value: "x" },
    ], { immutable });
    assert.equal(Object.getPrototypeOf(doc), Object.prototype);
    assert.equal(doc.polluted, undefined);
    assert.deepEqual(Object.keys(doc), ["__proto__"]);
    assert.deepEqual(JSON.stringify(doc), '{"__proto__":{"polluted":true,"more":"x"}}');
  }
});

test("JSON Pointers", () => {
  assert.deepEqual(parsePointer(""), []);
  assert.deepEqual(parsePointer("/a~1b/~0c/0"), ["a/b", "~c", "0"]);
  assert.throws(() => parsePointer("a"), /not a JSON Pointer/);
});
