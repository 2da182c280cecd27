// A folded YAML scalar (>-) turns a line break into a space, so a word hyphenated across two lines
// reads "hot- plug" or "--with- managed-save" on screen: keep hyphenated words on one line.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers/cli";

describe("quiz banks and labs", () => {
  it("never break a hyphenated word across lines", () => {
    const broken: string[] = [];
    for (const dir of ["content/quizzes", "labs"]) {
      for (const f of readdirSync(join(ROOT, dir)).filter((x) => x.endsWith(".yaml"))) {
        const lines = readFileSync(join(ROOT, dir, f), "utf8").split("\n");
        lines.forEach((l, i) => {
          if (/[A-Za-z]-$/.test(l) && /^\s+[a-z]/.test(lines[i + 1] ?? "")) broken.push(`${dir}/${f}:${i + 1}: ${l.trim().split(" ").pop()}${lines[i + 1]!.trim().split(" ")[0]}`);
        });
      }
    }
    expect(broken).toEqual([]);
  });
});
