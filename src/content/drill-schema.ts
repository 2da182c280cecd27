// The schema of drill files (content/drills/*.yaml): one file per tool or theme, each item a task in words,
// a start fixture and the reference command(s) whose effect a learner's answer must reproduce.
import { z } from "zod";
import { ObjectiveId, SectionRef } from "./schema";

export const DRILL_TOOLS = ["virsh", "xl", "qemu-img", "qemu-system", "qemu-monitor", "guestfs", "virt-install", "xen-tools", "host"] as const;

export const DrillItem = z.strictObject({
  /** Stable id: the SRS card and progress events refer to it. */
  id: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, 'a lower-case id such as "virsh-autostart-1"'),
  /** The item's objective (default: the file's). */
  objective: ObjectiveId.optional(),
  /** Host fixture (default: the file's). */
  fixture: z.string().regex(/^[a-z0-9][a-z0-9-]*$/).optional(),
  /** Commands run on the start state before the task (both the answer and the reference see their effect). */
  setup: z.string().optional(),
  /**
   * An interactive program the answer is typed into (the QEMU monitor of `qemu-system-x86_64 … -monitor
   * stdio`, guestfish): it is started before the answer and given end of input after it.
   */
  within: z.string().optional(),
  /** What to do, in words; never the command itself. */
  task: z.string().min(10),
  /** The reference: one command, or a short sequence (one per line). */
  answer: z.string().min(1),
  /**
   * How answers are compared: "state" (the resulting hosts), "output" (what the command prints), or "auto"
   * (state when the reference changes it, else the output).
   */
  grade: z.enum(["auto", "state", "output", "both"]).default("auto"),
  /** Extra regular expressions for volatile output that must not count (each match is masked). */
  mask: z.array(z.string()).default([]),
  /** Paths whose changes do not count (scratch files an answer may leave), as prefixes. */
  ignore_paths: z.array(z.string().regex(/^\//)).default([]),
  /** Other answers a tester expects to pass (checked by the drill tests) and near-misses that must fail. */
  also: z.array(z.string()).default([]),
  not: z.array(z.string()).default([]),
  /** A short explanation shown after grading. */
  explain: z.string().optional(),
});
export type DrillItem = z.infer<typeof DrillItem>;

export const DrillFile = z.strictObject({
  tool: z.enum(DRILL_TOOLS),
  objective: ObjectiveId,
  fixture: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  /** Host the shell starts on (default: the fixture's first host). */
  host: z.string().optional(),
  /** Commands run on the fixture before every item's own setup (images the whole file works on). */
  setup: z.string().optional(),
  /** Subcommand family the file covers, for listings ("domain lifecycle", "storage volumes"). */
  family: z.string().optional(),
  see: z.array(SectionRef).default([]),
  items: z.array(DrillItem).min(1),
});
export type DrillFile = z.infer<typeof DrillFile>;

/** A drill item with its file's defaults applied. */
export interface Drill {
  id: string;
  objective: string;
  tool: DrillFile["tool"];
  family?: string;
  fixture: string;
  host?: string;
  setup?: string;
  within?: string;
  task: string;
  answer: string;
  grade: DrillItem["grade"];
  mask: string[];
  ignorePaths: string[];
  also: string[];
  not: string[];
  explain?: string;
  see: string[];
  file: string;
  line: number;
}
