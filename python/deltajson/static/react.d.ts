// Types of react.js: the useJSONStream hook. Checked by tests/test_react.py
// (`tsc --noEmit --strict` on tests/js/usage.ts). Needs no React types of its own.

import type { JSONPointer, JSONValue, PartialValue, RequestOptions, StreamError } from "./deltajson.js";

/** Where a stream is. */
export type JSONStreamStatus = "idle" | "streaming" | "reconnecting" | "complete" | "error";

/** The request: `method`, `body`, `headers`, `reconnect` (as streamJSON takes them). */
export type JSONStreamOptions = RequestOptions;

/** What every state of a stream has. */
export interface JSONStreamBase<T> {
  /** The JSON Pointers of the values completed so far. */
  completed: readonly JSONPointer[];
  /** 0 to 1 when the server sends it (1 once complete), else undefined. */
  progress: number | undefined;
  /** Starts a stream (aborting a running one); `overrides` change the request for this one.
   * Resolves with the final value, or undefined if the stream failed or was aborted. */
  start(overrides?: JSONStreamOptions): Promise<T | undefined>;
  /** Cancels the request; the status goes back to "idle" and the partial value stays. */
  abort(): void;
}

/** Not streaming: never started (`value` undefined), or aborted (the partial value). */
export interface IdleStream<T> extends JSONStreamBase<T> {
  status: "idle";
  value: PartialValue<T> | undefined;
  error: null;
}

/** Reading: `value` is the partial value (undefined until the first patch). */
export interface StreamingStream<T> extends JSONStreamBase<T> {
  status: "streaming";
  value: PartialValue<T> | undefined;
  error: null;
}

/** A resumable stream's connection dropped and is being opened again (the value kept). */
export interface ReconnectingStream<T> extends JSONStreamBase<T> {
  status: "reconnecting";
  value: PartialValue<T> | undefined;
  error: null;
}

/** Done: `value` is the `done` event's value. */
export interface CompleteStream<T> extends JSONStreamBase<T> {
  status: "complete";
  value: T;
  error: null;
  progress: number;
}

/** Failed: `error` says why; `value` is the last partial value. */
export interface FailedStream<T> extends JSONStreamBase<T> {
  status: "error";
  value: PartialValue<T> | undefined;
  error: StreamError;
}

/** What useJSONStream returns: narrow on `status`. */
export type JSONStream<T = JSONValue> =
  | IdleStream<T>
  | StreamingStream<T>
  | ReconnectingStream<T>
  | CompleteStream<T>
  | FailedStream<T>;

/** The state of a deltajson SSE stream of `url` (see react.js). `T`: the final value's type. */
export function useJSONStream<T = JSONValue>(url: string | URL, options?: JSONStreamOptions): JSONStream<T>;
