// Text screens fit the width they are given (80 columns when piped): nothing relies on the terminal wrapping it.
import { describe, expect, it } from "vitest";
import { lpic3, tempHome } from "../helpers/cli";

const tooWide = (text: string, width = 80) => text.split("\n").filter((l) => [...l].length > width);

describe("layout at 80 columns", () => {
  it("stats, after an exam, keep every line within 80 columns", () => {
    const home = tempHome();
    const env = { LPIC3_HOME: home };
    expect(lpic3(["exam", "--seed", "3", "--objectives", "351.2"], { env, input: "A\nB\nC\n" }).status).toBe(0);
    const r = lpic3(["stats"], { env });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("Practice exams (1)");
    expect(tooWide(r.stdout)).toEqual([]);
  });

  it("search results are wrapped to 80 columns", () => {
    const r = lpic3(["search", "backing", "file"]);
    expect(r.status).toBe(0);
    expect(tooWide(r.stdout)).toEqual([]);
  });
});
