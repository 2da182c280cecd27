// Reading answers line by line from a non-terminal stdin or a file (scripted quizzes and exams).
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";

export interface LineSource {
  /** The next line, or null at the end of input. */
  next(): Promise<string | null>;
  close(): void;
}

export function lineSource(file?: string): LineSource {
  const input = file ? createReadStream(file, "utf8") : process.stdin;
  const rl = createInterface({ input, terminal: false });
  const it = rl[Symbol.asyncIterator]();
  return {
    async next() {
      const r = await it.next();
      return r.done ? null : (r.value as string);
    },
    close: () => rl.close(),
  };
}
