// deltajson.js — consume a deltajson SSE stream (deltajson.sse) in the browser.
//
// A dependency-free ES module, no build step (types: deltajson.d.ts beside it):
//
//   import { streamJSON } from "/static/deltajson.js";
//   const final = await streamJSON("/stream/trip_plan", {
//     method: "POST", body: { delay: 20 },
//     onUpdate(value, completed, progress) { render(value, completed, progress); },
//   });
//
// Events: `patch` {ops, completed, progress?} applies JSON Patch ops (`add`, `replace`,
// `remove`, and the `append` extension that concatenates a string), `snapshot` {value,
// completed} replaces the value (a resumed stream's catch-up), `done` {value} ends the
// stream, `error` {type, message, ...} rejects it with a StreamError. Uses fetch (so POST
// bodies and headers work, unlike EventSource) and stops when `signal` aborts. A resumable
// stream (its events have an `id:`, deltajson.resume) is reconnected after a dropped
// connection, with backoff and a `Last-Event-ID` header, as EventSource would. react.js (the
// React hook) is built on streamJSON with `immutable: true`.

/**
 * Why a stream failed: an `error` event (`payload` is its data), or a failure seen by the
 * client — `HTTPError` (`payload.status`), `StreamInterrupted` (ended without `done`),
 * `AbortError` (the signal aborted), `NetworkError` (fetch or reading the body failed),
 * `ProtocolError` (an event that is not deltajson's: data not JSON, ops that do not apply).
 * `partial` is the value when it failed.
 */
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

function child(node, token) {
  return Array.isArray(node) ? node[Number(token)] : node[token];
}

/** Sets `node[key]`; a "__proto__" key becomes an own property (JSON.parse's reading), never
 * the object's prototype. */
function put(node, key, value) {
  if (key === "__proto__") {
    const property = { value, writable: true, enumerable: true, configurable: true };
    Object.defineProperty(node, key, property);
  } else {
    node[key] = value;
  }
}

/**
 * Applies JSON Patch operations (plus `append`) to `doc`; returns the new document.
 *
 * By default `doc` is changed in place (the cheapest). With `{immutable: true}` nothing that
 * `doc` holds is changed: the containers on the paths the ops touch are copied (each once per
 * call) and everything else is shared, so the result is a new object exactly where something
 * changed — what React's state needs (`Object.is` tells changed from unchanged subtrees).
 */
export function applyPatch(doc, ops, options = {}) {
  // The containers this call made: changed in place by the ops after the one that copied them.
  const fresh = options.immutable ? new Set() : null;
  const own = (node) => {
    if (fresh === null || fresh.has(node) || node === null || typeof node !== "object") return node;
    const copy = Array.isArray(node) ? node.slice() : { ...node }; // "__proto__" stays own
    fresh.add(copy);
    return copy;
  };
  for (const { op, path, value } of ops) {
    const tokens = parsePointer(path);
    if (tokens.length === 0) {
      if (op === "append") doc += value;
      else if (op === "remove") doc = undefined;
      else doc = value;
      continue;
    }
    doc = own(doc);
    let parent = doc;
    for (const token of tokens.slice(0, -1)) {
      const next = own(child(parent, token));
      if (fresh !== null) put(parent, Array.isArray(parent) ? Number(token) : token, next);
      parent = next;
    }
    const last = tokens[tokens.length - 1];
    if (Array.isArray(parent)) {
      const index = last === "-" ? parent.length : Number(last);
      if (op === "add") parent.splice(index, 0, value);
      else if (op === "replace") parent[index] = value;
      else if (op === "append") parent[index] += value;
      else if (op === "remove") parent.splice(index, 1);
    } else if (op === "append") {
      put(parent, last, parent[last] + value);
    } else if (op === "remove") {
      delete parent[last];
    } else {
      put(parent, last, value);
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
    let id;
    const data = [];
    for (const line of block.split(/\r\n|\n|\r/)) {
      if (line === "" || line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "event") name = value;
      else if (field === "data") data.push(value);
      else if (field === "id" && !value.includes("\0")) id = value;
    }
    if (data.length) events.push({ name, id, data: data.join("\n") });
  }
  return [events, rest];
}

/** The StreamError for a failed fetch or body read. */
function transportError(error, signal) {
  const type = signal?.aborted || error?.name === "AbortError" ? "AbortError" : "NetworkError";
  return new StreamError({ type, message: String(error?.message ?? error) });
}

/** The data of an event, as deltajson sends it (a ProtocolError if it is not JSON). */
function eventData(event) {
  try {
    return JSON.parse(event.data);
  } catch {
    const message = `a ${event.name} event's data is not JSON`;
    throw new StreamError({ type: "ProtocolError", message });
  }
}

/** A wait of `ms` milliseconds that an aborted `signal` ends early (with an AbortError). */
function pause(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(transportError(signal.reason, signal));
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener("abort", aborted);
      resolve();
    }
    function aborted() {
      clearTimeout(timer);
      reject(transportError(signal.reason, signal));
    }
    signal?.addEventListener("abort", aborted, { once: true });
  });
}

/** The reconnection settings: `true` (the defaults), `false`, or `{retries, delay,
 * maxDelay}` (milliseconds; the delay doubles after each failed attempt). */
function reconnection(option) {
  const defaults = { retries: 8, delay: 250, maxDelay: 5000 };
  if (option === false) return null;
  if (option === undefined || option === true) return defaults;
  return { ...defaults, ...option };
}

/**
 * Streams `url` and keeps the document up to date.
 *
 * Options: `method` (GET, or POST when a body is given), `body` (a string is sent as is,
 * anything else as JSON), `headers`, `signal` (an AbortSignal), `onUpdate(value, completed,
 * progress)` once per patch or snapshot event (`completed` is the array of JSON Pointers
 * completed so far), `onDone(value)`, `onError(error)`, `immutable` (each update gets a new
 * value and a new `completed` array where they changed, sharing the rest; by default both are
 * changed in place), `reconnect` (default `true`: when the connection of a resumable stream
 * drops — its events carry ids — it is opened again after a backoff with `Last-Event-ID`,
 * and the stream goes on exactly where it was; `{retries, delay, maxDelay}` tunes it,
 * `false` turns it off), `onReconnect(attempt, error)` before each new attempt. Resolves with
 * the final value; rejects with a StreamError. An exception thrown by a callback stops the
 * stream and rejects with that exception itself.
 */
export async function streamJSON(url, options = {}) {
  const { body, signal, onUpdate, onDone, onError, onReconnect, immutable = false } = options;
  const retry = reconnection(options.reconnect);
  const headers = { Accept: "text/event-stream", ...(options.headers || {}) };
  let payload = body;
  if (body !== undefined && typeof body !== "string") {
    payload = JSON.stringify(body);
    headers["Content-Type"] = "application/json";
  }
  const method = options.method || (body === undefined ? "GET" : "POST");
  const state = { value: undefined, completed: [], lastId: undefined };
  let attempt = 0;
  try {
    for (;;) {
      try {
        const requestHeaders = state.lastId === undefined
          ? headers
          : { ...headers, "Last-Event-ID": state.lastId };
        const final = await readOnce(url, { method, headers: requestHeaders, payload, signal },
          state, { onUpdate, onDone, immutable }, () => { attempt = 0; });
        return final;
      } catch (error) {
        // A dropped connection (not an error event, an HTTP error or an abort) of a stream
        // whose events had ids: open it again where it was.
        const dropped = error instanceof StreamError && !callbackErrors.has(error)
          && (error.name === "NetworkError" || error.name === "StreamInterrupted");
        if (!dropped || retry === null || state.lastId === undefined || signal?.aborted
          || attempt >= retry.retries) {
          throw error;
        }
        attempt += 1;
        if (onReconnect) onReconnect(attempt, error);
        await pause(Math.min(retry.maxDelay, retry.delay * 2 ** (attempt - 1)), signal);
      }
    }
  } catch (error) {
    if (error instanceof StreamError && !callbackErrors.has(error)) {
      error.partial = state.value;
      if (onError) onError(error);
    }
    throw error;
  }
}

/** One connection of streamJSON: reads events into `state` until `done` (resolves with the
 * final value) or a failure (rejects); `progressed` is called at each event. */
async function readOnce(url, request, state, callbacks, progressed) {
  const { method, headers, payload, signal } = request;
  const { onUpdate, onDone, immutable } = callbacks;
  let reader;
  let finished = false;
  try {
    let response;
    try {
      response = await fetch(url, { method, headers, body: payload, signal });
    } catch (error) {
      throw transportError(error, signal);
    }
    if (!response.ok) {
      response.body?.cancel().catch(() => {});
      const { status } = response;
      throw new StreamError({ type: "HTTPError", message: `HTTP ${status}`, status });
    }
    reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffered = "";
    for (;;) {
      let chunk;
      try {
        chunk = await reader.read();
      } catch (error) {
        throw transportError(error, signal);
      }
      const { done, value: bytes } = chunk;
      buffered += done ? decoder.decode() : decoder.decode(bytes, { stream: true });
      const [events, rest] = splitEvents(buffered);
      buffered = rest;
      for (const event of events) {
        // Aborted from a callback: no callback runs after that.
        if (signal?.aborted) throw transportError(signal.reason, signal);
        if (event.name === "patch" || event.name === "snapshot") {
          const data = eventData(event);
          if (event.name === "snapshot") {
            state.value = data.value;
            state.completed = immutable ? [...data.completed] : data.completed;
          } else {
            try {
              state.value = applyPatch(state.value, data.ops, { immutable });
            } catch (error) {
              const message = `ops that do not apply: ${error.message}`;
              throw new StreamError({ type: "ProtocolError", message });
            }
            if (immutable) {
              if (data.completed.length) state.completed = state.completed.concat(data.completed);
            } else {
              state.completed.push(...data.completed);
            }
          }
          if (event.id !== undefined) state.lastId = event.id;
          progressed();
          if (onUpdate) callback(() => onUpdate(state.value, state.completed, data.progress));
        } else if (event.name === "done") {
          const data = eventData(event);
          finished = true;
          if (event.id !== undefined) state.lastId = event.id;
          reader.cancel().catch(() => {});
          if (onDone) callback(() => onDone(data.value));
          return data.value;
        } else if (event.name === "error") {
          throw new StreamError(eventData(event));
        }
      }
      if (done) break;
    }
    throw new StreamError({ type: "StreamInterrupted", message: "the stream ended early" });
  } catch (error) {
    // Stopped early (an error event, a callback's exception, a drop): the connection goes too.
    if (reader !== undefined && !finished) reader.cancel().catch(() => {});
    throw error;
  }
}

/** Exceptions thrown by the caller's callbacks: rethrown as they are (never reported to
 * onError, never retried), whatever their type. */
const callbackErrors = new WeakSet();

/** Runs a user callback, noting its exception. */
function callback(run) {
  try {
    run();
  } catch (error) {
    if (error !== null && typeof error === "object") callbackErrors.add(error);
    throw error;
  }
}
