// The progress store: an append-only JSON-lines log in the learner's data directory, written durably.
// Each event is one write(2) of one line on an O_APPEND descriptor followed by fsync, so two terminals can
// write at once and a crash loses at most the line being written. The reader skips a torn last line; a
// damaged line elsewhere sets the file aside (never deletes it) and keeps every readable event.
import { randomUUID } from "node:crypto";
import { closeSync, existsSync, fstatSync, fsyncSync, mkdirSync, openSync, readFileSync, readSync, renameSync, writeSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FORMAT_VERSION, migrate, ProgressEvent, type NewEvent } from "../engine/events";
import { dataDir, progressLogPath } from "./paths";

export interface ReadResult {
  events: ProgressEvent[];
  /** Messages for the learner (a torn line skipped, a damaged file set aside). */
  warnings: string[];
}

export class ProgressStore {
  readonly file: string;

  constructor(readonly dir: string = dataDir()) {
    this.file = dir === dataDir() ? progressLogPath() : join(dir, "progress.jsonl");
  }

  exists(): boolean {
    return existsSync(this.file);
  }

  /** Durably append events; returns them as stored (with id, version and time). */
  append(events: NewEvent[], now: Date = new Date()): ProgressEvent[] {
    mkdirSync(this.dir, { recursive: true });
    const full = events.map((e) => ProgressEvent.parse({ v: FORMAT_VERSION, id: randomUUID(), at: now.toISOString(), ...e }));
    const fd = openSync(this.file, "a+", 0o600);
    try {
      // After a crash mid-write the file may end inside a line: finish it so the next event starts clean.
      const size = fstatSync(fd).size;
      if (size > 0) {
        const last = Buffer.alloc(1);
        readSync(fd, last, 0, 1, size - 1);
        if (last[0] !== 0x0a) writeSync(fd, "\n");
      }
      for (const e of full) {
        const line = Buffer.from(JSON.stringify(e) + "\n", "utf8");
        let off = 0;
        while (off < line.length) off += writeSync(fd, line, off, line.length - off);
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return full;
  }

  read(): ReadResult {
    if (!this.exists()) return { events: [], warnings: [] };
    const text = readFileSync(this.file, "utf8");
    return this.parse(text, true);
  }

  /** Parse log text; with `repair`, a damaged file is set aside and rewritten with its readable events. */
  parse(text: string, repair: boolean): ReadResult {
    const lines = text.split("\n");
    if (lines[lines.length - 1] === "") lines.pop();
    const events: ProgressEvent[] = [];
    const bad: number[] = [];
    const warnings: string[] = [];
    lines.forEach((line, i) => {
      if (line.trim() === "") return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch (e) {
        // A line cut short by a crash (a JSON prefix) is the one loss the design allows: skip it quietly.
        if (isTruncatedJson(line, e)) {
          warnings.push(`${this.file}: line ${i + 1} was cut off by an interrupted write and was skipped`);
          return;
        }
        bad.push(i + 1);
        return;
      }
      const r = ProgressEvent.safeParse(migrate(parsed as Record<string, unknown>));
      if (r.success) events.push(r.data);
      else bad.push(i + 1);
    });
    if (bad.length && repair) {
      const aside = `${this.file}.damaged-${new Date().toISOString().replace(/[:.]/g, "-")}`;
      renameSync(this.file, aside);
      writeFileSync(this.file, events.map((e) => JSON.stringify(e) + "\n").join(""), { mode: 0o600 });
      warnings.push(`${this.file}: line${bad.length > 1 ? "s" : ""} ${bad.slice(0, 5).join(", ")}${bad.length > 5 ? ", …" : ""} could not be read; the original file was kept as ${aside} and the ${events.length} readable events were kept`);
    } else if (bad.length) warnings.push(`line${bad.length > 1 ? "s" : ""} ${bad.slice(0, 5).join(", ")} could not be read`);
    return { events, warnings };
  }

  /** Replace the log with `events` (import and reset); the old log is kept beside it. */
  replace(events: ProgressEvent[], keepAs: string): string | null {
    mkdirSync(this.dir, { recursive: true });
    let kept: string | null = null;
    if (this.exists()) {
      kept = `${this.file}.${keepAs}-${new Date().toISOString().replace(/[:.]/g, "-")}`;
      renameSync(this.file, kept);
    }
    const tmp = `${this.file}.tmp-${process.pid}`;
    const fd = openSync(tmp, "w", 0o600);
    try {
      writeSync(fd, events.map((e) => JSON.stringify(e) + "\n").join(""));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.file);
    return kept;
  }
}

/** True when `line` is the beginning of a JSON object that was cut off (not some other damage). */
function isTruncatedJson(line: string, e: unknown): boolean {
  if (!line.startsWith("{") || !(e instanceof SyntaxError)) return false;
  if (/end of JSON input|Unterminated string/.test(e.message)) return true;
  const at = /at position (\d+)/.exec(e.message);
  return at !== null && Number(at[1]) >= line.trimEnd().length - 1;
}
