// The progress log's events: every answer, exam, lab and drill result, one JSON object per line.
import { z } from "zod";

export const FORMAT_VERSION = 1;

const Base = {
  v: z.literal(1),
  /** Unique id, so a log imported twice adds nothing. */
  id: z.string().min(8),
  /** ISO 8601 time the event happened. */
  at: z.string(),
};
const Given = z.union([z.string(), z.array(z.string())]);

export const AnswerEvent = z.strictObject({
  ...Base,
  t: z.literal("answer"),
  item: z.string(),
  objective: z.string(),
  source: z.enum(["quiz", "exam", "review"]),
  given: Given,
  correct: z.boolean(),
  exam: z.string().optional(),
});

export const ExamStartEvent = z.strictObject({
  ...Base,
  t: z.literal("exam-start"),
  exam: z.string(),
  seed: z.number().int(),
  minutes: z.number().positive(),
  objectives: z.array(z.string()).optional(),
  questions: z.array(z.string()).min(1),
});

export const ExamAnswerEvent = z.strictObject({
  ...Base,
  t: z.literal("exam-answer"),
  exam: z.string(),
  item: z.string(),
  /** null clears an answer. */
  given: Given.nullable(),
  /** Seconds of exam time used so far. */
  elapsed: z.number().nonnegative(),
});

export const ExamFlagEvent = z.strictObject({ ...Base, t: z.literal("exam-flag"), exam: z.string(), item: z.string(), flagged: z.boolean(), elapsed: z.number().nonnegative() });
export const ExamPauseEvent = z.strictObject({ ...Base, t: z.literal("exam-pause"), exam: z.string(), elapsed: z.number().nonnegative() });

export const ExamSubmitEvent = z.strictObject({
  ...Base,
  t: z.literal("exam-submit"),
  exam: z.string(),
  reason: z.enum(["submitted", "timeout"]),
  elapsed: z.number().nonnegative(),
  correct: z.number().int().nonnegative(),
  total: z.number().int().positive(),
  scaled: z.number().int(),
  passed: z.boolean(),
  byObjective: z.record(z.string(), z.strictObject({ correct: z.number().int(), total: z.number().int() })),
});

export const ExamAbandonEvent = z.strictObject({ ...Base, t: z.literal("exam-abandon"), exam: z.string() });

export const DrillEvent = z.strictObject({
  ...Base,
  t: z.literal("drill"),
  item: z.string(),
  objective: z.string(),
  tool: z.string(),
  answer: z.string(),
  correct: z.boolean(),
});

export const LabEvent = z.strictObject({
  ...Base,
  t: z.literal("lab"),
  lab: z.string(),
  objective: z.string(),
  status: z.enum(["started", "completed", "assisted", "reset"]),
  tasksDone: z.number().int().nonnegative().optional(),
  tasks: z.number().int().nonnegative().optional(),
});

export const ProgressEvent = z.discriminatedUnion("t", [AnswerEvent, ExamStartEvent, ExamAnswerEvent, ExamFlagEvent, ExamPauseEvent, ExamSubmitEvent, ExamAbandonEvent, DrillEvent, LabEvent]);
export type ProgressEvent = z.infer<typeof ProgressEvent>;
export type AnswerEvent = z.infer<typeof AnswerEvent>;
export type ExamSubmitEvent = z.infer<typeof ExamSubmitEvent>;
export type DrillEvent = z.infer<typeof DrillEvent>;
export type LabEvent = z.infer<typeof LabEvent>;

/** What a caller supplies; the store adds v, id and at. */
export type NewEvent = ProgressEvent extends infer E ? (E extends ProgressEvent ? Omit<E, "v" | "id" | "at"> & { at?: string } : never) : never;

/**
 * Bring an event of any past format version to the current one. Version 1 is the first format; a later
 * version adds its step here, so old logs always read.
 */
export function migrate(raw: Record<string, unknown>): Record<string, unknown> {
  if (raw.v === undefined) return { ...raw, v: 1 };
  return raw;
}
