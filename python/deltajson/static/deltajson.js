// deltajson.js — consume a deltajson SSE stream (deltajson.sse) in the browser.
//
// A dependency-free ES module, no build step:
//
//   import { streamJSON } from "/static/deltajson.js";
//   const final = await streamJSON("/stream/trip_plan", {
//     method: "POST", body: { delay: 20 },
//     onUpdate(value, completed, progress) { render(value, completed, progress); },
//   });
//
// Events: `patch` {ops, completed, progress?} applies JSON Patch ops (`add`, `replace`,
// `remove`, and the `append` extension that concatenates a string), `done` {value} ends the
// stream, `error` {type, message, ...} rejects it with a StreamError. Uses fetch (so POST
// bodies and headers work, unlike EventSource) and stops when `signal` aborts.

/** An `error` event, or a stream that ended without `done`. `payload` is the event's data. */
export class StreamError extends Error {
  constructor(payload) {
    super(payload.message);
    this.name = payload.type || "StreamError";
    this.payload = payload;
  }
}

function unescape(token) {
  return token.replace(/~1/g, "/").replace(/~0/g, "~");
}

/** The tokens of an RFC 6901 JSON Pointer ("" is the whole document). */
export function parsePointer(pointer) {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) throw new Error(`not a JSON Pointer: ${pointer}`);
  return pointer.slice(1).split("/").map(unescape);
}

function container(doc, tokens) {
  let node = doc;
  for (const token of tokens) node = Array.isArray(node) ? node[Number(token)] : node[token];
  return node;
}

/** Applies JSON Patch operations (plus `append`) to `doc`; returns the new document. */
export function applyPatch(doc, ops) {
  for (const { op, path, value } of ops) {
    const tokens = parsePointer(path);
    if (tokens.length === 0) {
      if (op === "append") doc += value;
      else if (op === "remove") doc = undefined;
      else doc = value;
      continue;
    }
    const parent = container(doc, tokens.slice(0, -1));
    const last = tokens[tokens.length - 1];
    if (Array.isArray(parent)) {
      const index = last === "-" ? parent.length : Number(last);
      if (op === "add") parent.splice(index, 0, value);
      else if (op === "replace") parent[index] = value;
      else if (op === "append") parent[index] += value;
      else if (op === "remove") parent.splice(index, 1);
    } else if (op === "append") {
      parent[last] += value;
    } else if (op === "remove") {
      delete parent[last];
    } else {
      parent[last] = value;
    }
  }
  return doc;
}

/** Splits SSE text into events; returns [events, rest-not-yet-complete]. */
function splitEvents(text) {
  const events = [];
  const blocks = text.split(/\r\n\r\n|\n\n|\r\r/);
  const rest = blocks.pop();
  for (const block of blocks) {
    let name = "message";
    const data = [];
    for (const line of block.split(/\r\n|\n|\r/)) {
      if (line === "" || line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "event") name = value;
      else if (field === "data") data.push(value);
    }
    if (data.length) events.push({ name, data: data.join("\n") });
  }
  return [events, rest];
}

/**
 * Streams `url` and keeps the document up to date.
 *
 * Options: `method` (GET, or POST when a body is given), `body` (an object is sent as JSON),
 * `headers`, `signal` (an AbortSignal), `onUpdate(value, completed, progress)` after each
 * patch (`completed` is the array of JSON Pointers completed so far), `onDone(value)`,
 * `onError(error)`. Resolves with the final value; rejects with a StreamError.
 */
export async function streamJSON(url, options = {}) {
  const { body, signal, onUpdate, onDone, onError } = options;
  const headers = { Accept: "text/event-stream", ...(options.headers || {}) };
  let payload = body;
  if (body !== undefined && typeof body !== "string") {
    payload = JSON.stringify(body);
    headers["Content-Type"] = "application/json";
  }
  const method = options.method || (body === undefined ? "GET" : "POST");
  let value;
  const completed = [];
  try {
    const response = await fetch(url, { method, headers, body: payload, signal });
    if (!response.ok) {
      throw new StreamError({ type: "HTTPError", message: `HTTP ${response.status}` });
    }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffered = "";
    for (;;) {
      const { done, value: bytes } = await reader.read();
      buffered += done ? decoder.decode() : decoder.decode(bytes, { stream: true });
      const [events, rest] = splitEvents(buffered);
      buffered = rest;
      for (const event of events) {
        const data = JSON.parse(event.data);
        if (event.name === "patch") {
          value = applyPatch(value, data.ops);
          completed.push(...data.completed);
          if (onUpdate) onUpdate(value, completed, data.progress);
        } else if (event.name === "done") {
          reader.cancel();
          if (onDone) onDone(data.value);
          return data.value;
        } else if (event.name === "error") {
          throw new StreamError(data);
        }
      }
      if (done) break;
    }
    throw new StreamError({ type: "StreamInterrupted", message: "the stream ended early" });
  } catch (error) {
    const typed = error instanceof StreamError
      ? error
      : new StreamError({ type: error.name || "NetworkError", message: String(error.message) });
    typed.partial = value;
    if (onError) onError(typed);
    throw typed;
  }
}
