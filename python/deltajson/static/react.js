// react.js — a React hook over a deltajson SSE stream (deltajson.sse).
//
// A dependency-free ES module, no build step (types: react.d.ts beside it). It takes React's
// hooks from the bare specifier "react" (a bundler, or an import map, resolves it) and reads
// the stream with deltajson.js's streamJSON:
//
//   import { useJSONStream } from "/static/react.js";
//
//   function Plan() {
//     const { value, completed, progress, status, error, start, abort } =
//       useJSONStream("/stream/trip_plan", { body: { delay: 20 } });
//     ...  // <button onClick={() => start()}>, <button onClick={abort}>
//   }
//
// `status` is "idle" until `start()`, "streaming", then "complete" (`value` is the `done`
// event's value) or "error" (`error` is the StreamError; `value` keeps the last partial).
// Each SSE event makes exactly one state update, whatever number of ops it holds; the value
// of each update is a new object only along the paths that changed (structural sharing, so
// memoized children of unchanged subtrees skip rendering). `abort()` cancels the request
// and goes back to "idle", keeping the partial; unmounting aborts, with no update after.

import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "react";
import { StreamError, streamJSON } from "./deltajson.js";

const NO_PATHS = Object.freeze([]);

const IDLE = Object.freeze({
  value: undefined,
  completed: NO_PATHS,
  progress: undefined,
  status: "idle",
  error: null,
});

const STREAMING = Object.freeze({ ...IDLE, status: "streaming" });

/** The request options a `start(overrides)` argument may change (so that an event object,
 * as in `onClick={start}`, changes nothing). */
function requestOptions(options) {
  const picked = {};
  if (options === null || typeof options !== "object") return picked;
  for (const key of ["method", "body", "headers", "reconnect"]) {
    if (Object.prototype.hasOwnProperty.call(options, key)) picked[key] = options[key];
  }
  return picked;
}

/**
 * The state of a deltajson stream of `url`, and `start`/`abort` to drive it.
 *
 * `options`: `method`, `body`, `headers`, `reconnect` as streamJSON takes them (read when
 * `start` runs: the latest render's). Returns `{value, completed, progress, status, error,
 * start, abort}`: `status` is "reconnecting" while a dropped resumable stream is being opened
 * again (the value kept; "streaming" again at its next event);
 * `completed` is the array of JSON Pointers completed so far, `progress` 0 to 1 when the
 * server sends it (1 once complete). `start(overrides?)` begins a stream (aborting one that
 * is running) and resolves with the final value, or `undefined` if it failed or was aborted
 * (a stream's failure never rejects it: that is in `status` and `error`). `start` and
 * `abort` keep their identity across renders.
 */
export function useJSONStream(url, options = {}) {
  const [state, setState] = useState(IDLE);
  // The controller of the running stream; null when none is. Only the stream holding it may
  // update the state, so an aborted, replaced or unmounted stream never does.
  const running = useRef(null);
  const latest = useRef({ url, options });
  useEffect(() => {
    latest.current = { url, options };
  });

  const start = useCallback((overrides) => {
    running.current?.abort();
    const controller = new AbortController();
    running.current = controller;
    const current = () => running.current === controller;
    const request = { ...requestOptions(latest.current.options), ...requestOptions(overrides) };
    setState(STREAMING);
    return streamJSON(latest.current.url, {
      ...request,
      signal: controller.signal,
      immutable: true,
      onUpdate(value, completed, progress) {
        if (current()) setState({ value, completed, progress, status: "streaming", error: null });
      },
      onReconnect() {
        if (current()) setState((last) => ({ ...last, status: "reconnecting" }));
      },
      onDone(value) {
        if (!current()) return;
        running.current = null;
        setState((last) => ({ ...last, value, progress: 1, status: "complete" }));
      },
      onError(error) {
        if (!current()) return;
        running.current = null;
        setState((last) => ({ ...last, status: "error", error }));
      },
    }).catch((error) => {
      if (error instanceof StreamError) return undefined; // in `status` and `error`
      throw error; // not the stream's failure: a bug, left loud
    });
  }, []);

  const abort = useCallback(() => {
    const controller = running.current;
    if (controller === null) return;
    running.current = null;
    controller.abort();
    setState((last) => ({ ...last, status: "idle" }));
  }, []);

  // Unmounting aborts the stream; `running` is cleared first, so no update follows. A layout
  // effect: its cleanup runs as the component unmounts, where a passive effect's may run
  // later, letting events already received update an unmounted component meanwhile.
  useLayoutEffect(
    () => () => {
      const controller = running.current;
      running.current = null;
      controller?.abort();
    },
    [],
  );

  return { ...state, start, abort };
}
