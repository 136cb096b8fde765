// Types of deltajson.js: the events deltajson.sse sends, their JSON Patch ops, the error
// payloads (README: "What an `error` event holds"), and streamJSON's options.
// Checked by tests/test_react.py (`tsc --noEmit --strict` on tests/js/usage.ts).

/** A JSON value. */
export type JSONValue = null | boolean | number | string | JSONValue[] | { [key: string]: JSONValue };

/**
 * What a value of type `T` can look like while it streams: objects with some keys yet,
 * arrays with some items, strings cut short (still strings), numbers and literals whole.
 */
export type PartialValue<T> = JSONValue extends T
  ? JSONValue
  : T extends readonly (infer Item)[]
    ? PartialValue<Item>[]
    : T extends object
      ? { [K in keyof T]?: PartialValue<T[K]> }
      : T;

/** A JSON Pointer (RFC 6901): "" is the whole document, "/days/0/name" a place in it. */
export type JSONPointer = string;

/** JSON Patch `add`: a new member, array item (`path` ending in its index), or the root. */
export interface AddOp {
  op: "add";
  path: JSONPointer;
  value: JSONValue;
}

/** JSON Patch `replace`: the value at `path` is now `value`. */
export interface ReplaceOp {
  op: "replace";
  path: JSONPointer;
  value: JSONValue;
}

/** JSON Patch `remove`: the member or item at `path` left (a dropping selection). */
export interface RemoveOp {
  op: "remove";
  path: JSONPointer;
}

/** deltajson's extension: the string at `path` grew by `value`. */
export interface AppendOp {
  op: "append";
  path: JSONPointer;
  value: string;
}

/** One operation of a `patch` event. */
export type PatchOp = AddOp | AppendOp | RemoveOp | ReplaceOp;

/** Where a non-finite number was sent as `null` (JSON Pointer -> what it was). */
export type NonFinite = Record<JSONPointer, "Infinity" | "-Infinity" | "NaN">;

/** The data of a `patch` event: the ops read since the last event. */
export interface PatchEvent {
  ops: PatchOp[];
  /** The JSON Pointers of the values completed meanwhile. */
  completed: JSONPointer[];
  /** 0 to 1, when the server knows the total size. */
  progress?: number;
  nonfinite?: NonFinite;
}

/** The data of a `snapshot` event (a resumed stream's catch-up, deltajson.resume): the value
 * as of the event whose id it carries, and every JSON Pointer complete by then. */
export interface SnapshotEvent {
  value: JSONValue;
  completed: JSONPointer[];
  nonfinite?: NonFinite;
}

/** The data of the `done` event: the final value. */
export interface DoneEvent<T = JSONValue> {
  value: T;
  nonfinite?: NonFinite;
}

/** `error`: invalid JSON, where it went wrong. */
export interface JSONErrorPayload {
  type: "JSONError" | "IncompleteJSONError";
  /** deltajson's description, quoting the document. */
  message: string;
  /** Byte offset. */
  offset: number;
  line: number;
  /** In characters, like json.JSONDecodeError.colno. */
  column: number;
}

/** One of Pydantic's errors, without its message or input. */
export interface SchemaErrorItem {
  type: string;
  loc: (string | number)[];
}

/** `error`: the value does not match the model. */
export interface SchemaMismatchPayload {
  type: "SchemaMismatch";
  message: "the value does not match the schema";
  /** The JSON Pointer of the value that decided. */
  path: JSONPointer;
  errors: SchemaErrorItem[];
}

/** `error`: the provider reported an error. */
export interface ProviderErrorPayload {
  type: "ProviderError";
  message: "the provider reported an error";
  /** The provider's error type. */
  kind: string;
}

/** `error`: the errors that carry only a message (for `Refusal`, the model's own text). */
export interface MessageErrorPayload {
  type: "Refusal" | "StreamTimeout" | "StreamInterrupted" | "InternalError";
  message: string;
}

/** The data of an `error` event, by `type`. */
export type ErrorEvent =
  | JSONErrorPayload
  | SchemaMismatchPayload
  | ProviderErrorPayload
  | MessageErrorPayload;

/** The server answered with an HTTP error status instead of a stream. */
export interface HTTPErrorPayload {
  type: "HTTPError";
  message: string;
  status: number;
}

/**
 * Failures the client sees: `AbortError` (the signal aborted), `NetworkError` (fetch or
 * reading the body failed), `ProtocolError` (an event that is not deltajson's), and
 * `StreamInterrupted` (the body ended without `done`; also a server type).
 */
export interface ClientErrorPayload {
  type: "AbortError" | "NetworkError" | "ProtocolError" | "StreamInterrupted";
  message: string;
}

/** Every payload a StreamError may carry. */
export type ErrorPayload = ErrorEvent | HTTPErrorPayload | ClientErrorPayload;

/** Why a stream failed. `name` is `payload.type`. */
export class StreamError extends Error {
  constructor(payload: ErrorPayload);
  readonly payload: ErrorPayload;
  name: ErrorPayload["type"];
  /** The value when the stream failed (`undefined` if nothing had arrived). */
  partial?: JSONValue;
}

/** The tokens of a JSON Pointer ("" is the whole document: no tokens). */
export function parsePointer(pointer: JSONPointer): string[];

/** Options of applyPatch. */
export interface ApplyPatchOptions {
  /** Leave `doc` unchanged: copy the containers the ops touch, share the rest. */
  immutable?: boolean;
}

/** Applies the ops to `doc` (in place unless `immutable`); returns the new document. */
export function applyPatch(
  doc: JSONValue | undefined,
  ops: readonly PatchOp[],
  options?: ApplyPatchOptions,
): JSONValue | undefined;

/** How a dropped resumable stream is opened again (milliseconds; the delay doubles after
 * each failed attempt, up to `maxDelay`). */
export interface ReconnectOptions {
  retries?: number;
  delay?: number;
  maxDelay?: number;
}

/** The request streamJSON makes. */
export interface RequestOptions {
  /** GET, or POST when a body is given. */
  method?: string;
  /** A string is sent as is; anything else as JSON (with `Content-Type: application/json`). */
  body?: unknown;
  headers?: Record<string, string>;
  /** A resumable stream (its events carry ids) whose connection drops is opened again with
   * `Last-Event-ID` (default `true`; `false` turns it off). */
  reconnect?: boolean | ReconnectOptions;
}

/** Options of streamJSON. */
export interface StreamOptions<T = JSONValue> extends RequestOptions {
  /** Aborting it stops the stream (rejecting with an `AbortError`). */
  signal?: AbortSignal;
  /** New value and `completed` objects where they changed, sharing the rest (React's way). */
  immutable?: boolean;
  /** After each `patch` (or `snapshot`) event. */
  onUpdate?(value: PartialValue<T>, completed: readonly JSONPointer[], progress: number | undefined): void;
  /** Before each new attempt to open a dropped resumable stream (1, 2, ...). */
  onReconnect?(attempt: number, error: StreamError): void;
  /** With the `done` event's value. */
  onDone?(value: T): void;
  /** Before rejecting with `error`. */
  onError?(error: StreamError): void;
}

/** Streams `url`; resolves with the final value, rejects with a StreamError. */
export function streamJSON<T = JSONValue>(url: string | URL, options?: StreamOptions<T>): Promise<T>;
