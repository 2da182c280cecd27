// Recording and reading the learner's progress (the event log) for every use case.
import type { NewEvent, ProgressEvent } from "../engine/events";
import { ProgressStore } from "../platform/store";

let store: ProgressStore | undefined;
let warned = false;

export function progressStore(): ProgressStore {
  return (store ??= new ProgressStore());
}

/** Every event so far; warnings (a torn line, a damaged file set aside) go to `warn` once per process. */
export function readEvents(warn: (msg: string) => void = (m) => process.stderr.write(`lpic3: ${m}\n`)): ProgressEvent[] {
  const r = progressStore().read();
  if (!warned) for (const w of r.warnings) warn(w);
  warned = true;
  return r.events;
}

export function record(...events: NewEvent[]): ProgressEvent[] {
  return progressStore().append(events);
}
