// A typed use of deltajson.js and react.js, checked by `tsc --noEmit --strict` (tests/test_react.py):
// it compiles, and each `@ts-expect-error` line is a mistake the declarations must refuse.

import {
  applyPatch,
  type ErrorPayload,
  type PatchEvent,
  type PatchOp,
  type PartialValue,
  StreamError,
  streamJSON,
} from "../../python/deltajson/static/deltajson.js";
import { type JSONStreamStatus, useJSONStream } from "../../python/deltajson/static/react.js";

interface Stop {
  name: string;
  minutes: number;
}

interface TripPlan {
  title: string;
  days: { day: number; theme: string; stops: Stop[] }[];
  needs_booking: boolean;
}

// The ops of a patch event, as the server sends them.
const event: PatchEvent = {
  ops: [
    { op: "add", path: "", value: {} },
    { op: "add", path: "/title", value: "Three d" },
    { op: "append", path: "/title", value: "ays" },
    { op: "replace", path: "/n", value: 1 },
    { op: "remove", path: "/n" },
  ],
  completed: ["/title"],
  progress: 0.5,
};
const doc = applyPatch(undefined, event.ops, { immutable: true });
// @ts-expect-error: JSON Patch `move` is not an op deltajson sends
const move: PatchOp = { op: "move", path: "/a", from: "/b" };
// @ts-expect-error: `append` grows a string
const appendNumber: PatchOp = { op: "append", path: "/a", value: 1 };
// @ts-expect-error: `remove` has no value
const removeValue: PatchOp = { op: "remove", path: "/a", value: 1 };

// Error payloads narrow on `type`.
function describe(error: StreamError): string {
  const payload: ErrorPayload = error.payload;
  switch (payload.type) {
    case "JSONError":
    case "IncompleteJSONError":
      return `${payload.message} at line ${payload.line}, column ${payload.column} (byte ${payload.offset})`;
    case "SchemaMismatch":
      return `${payload.path}: ${payload.errors.map((e) => `${e.type} at ${e.loc.join(".")}`).join(", ")}`;
    case "ProviderError":
      return `the provider failed: ${payload.kind}`;
    case "HTTPError":
      return `HTTP ${payload.status}`;
    case "Refusal":
    case "StreamTimeout":
    case "StreamInterrupted":
    case "InternalError":
    case "AbortError":
    case "NetworkError":
    case "ProtocolError":
      // @ts-expect-error: only invalid JSON has a position
      return `${payload.message} ${payload.offset}`;
  }
}

// streamJSON with a typed final value: partials are PartialValue<TripPlan>.
async function plan(signal: AbortSignal): Promise<string> {
  const final = await streamJSON<TripPlan>("/stream/trip_plan", {
    body: { delay: 20 },
    headers: { Authorization: "Bearer x" },
    signal,
    immutable: true,
    onUpdate(value, completed, progress) {
      const title: string | undefined = value.title; // a prefix of the title, or not there yet
      const first: PartialValue<Stop> | undefined = value.days?.[0]?.stops?.[0];
      // @ts-expect-error: a partial field may be missing
      const sure: string = value.title;
      void [title, first, sure, completed.includes("/title"), progress ?? 0];
    },
    onError(error) {
      void describe(error);
    },
    reconnect: { retries: 3, delay: 100 },
    onReconnect(attempt, error) {
      void [attempt + 1, describe(error)];
    },
  });
  // @ts-expect-error: reconnect is true, false or its settings
  void streamJSON("/streams/x/events", { reconnect: 3 });
  return final.days[0].stops[0].name;
}

// The hook, as a component would call it (this file only type-checks it).
function usePlan(): string {
  const stream = useJSONStream<TripPlan>("/stream/trip_plan", { body: { delay: 20 } });
  const status: JSONStreamStatus = stream.status;
  void stream.start({ body: { delay: 0 } }).then((final) => final?.title);
  stream.abort();
  switch (stream.status) {
    case "idle":
      return stream.value === undefined ? "not started" : "stopped";
    case "streaming":
      // @ts-expect-error: no error while streaming
      return `${stream.value?.title ?? "…"} ${stream.progress ?? 0} ${stream.error.message}`;
    case "reconnecting":
      return `${stream.value?.title ?? "…"} (the connection dropped; resuming)`;
    case "complete":
      return `${stream.value.title}: ${stream.value.days.length} days (${status})`;
    case "error":
      return `${describe(stream.error)}; so far: ${stream.value?.title ?? ""}`;
  }
}

// @ts-expect-error: not a status
const unknown: JSONStreamStatus = "done";

void [doc, move, appendNumber, removeValue, plan, usePlan, unknown];
