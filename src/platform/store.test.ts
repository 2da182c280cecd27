import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ProgressStore } from "./store";

const answer = (item: string, correct = true) => ({ t: "answer" as const, item, objective: "351.4", source: "quiz" as const, given: "B", correct });
const fresh = () => new ProgressStore(mkdtempSync(join(tmpdir(), "lpic3-store-")));

describe("ProgressStore", () => {
  it("appends events durably and reads them back in order", () => {
    const s = fresh();
    s.append([answer("351.4-001")]);
    s.append([answer("351.4-002", false), answer("351.4-003")]);
    const r = s.read();
    expect(r.warnings).toEqual([]);
    expect(r.events.map((e) => (e.t === "answer" ? e.item : ""))).toEqual(["351.4-001", "351.4-002", "351.4-003"]);
    expect(new Set(r.events.map((e) => e.id)).size).toBe(3);
  });

  it("skips a torn last line and repairs the file on the next append", () => {
    const s = fresh();
    s.append([answer("351.4-001")]);
    appendFileSync(s.file, '{"v":1,"id":"torn","at":"2026');
    let r = s.read();
    expect(r.events).toHaveLength(1);
    expect(r.warnings[0]).toContain("cut off");
    s.append([answer("351.4-002")]);
    r = s.read();
    expect(r.events.map((e) => (e.t === "answer" ? e.item : ""))).toEqual(["351.4-001", "351.4-002"]);
    expect(r.warnings[0]).toContain("cut off"); // the fragment, now a whole line, is skipped, not treated as damage
    expect(readdirSync(s.dir).some((f) => f.includes("damaged"))).toBe(false);
  });

  it("sets a damaged file aside, keeps every readable event and says where the original is", () => {
    const s = fresh();
    s.append([answer("351.4-001"), answer("351.4-002")]);
    const lines = readFileSync(s.file, "utf8").split("\n");
    writeFileSync(s.file, [lines[0], "garbage{", lines[1], ""].join("\n"));
    const r = s.read();
    expect(r.events).toHaveLength(2);
    expect(r.warnings[0]).toMatch(/line 2 could not be read; the original file was kept as .*damaged-/);
    const aside = readdirSync(s.dir).find((f) => f.includes("damaged"));
    expect(aside).toBeDefined();
    expect(readFileSync(join(s.dir, aside!), "utf8")).toContain("garbage{");
    expect(s.read().warnings).toEqual([]);
  });

  it("reads events written before format versions existed", () => {
    const s = fresh();
    s.append([answer("351.4-001")]);
    const line = JSON.parse(readFileSync(s.file, "utf8"));
    delete line.v;
    writeFileSync(s.file, JSON.stringify(line) + "\n");
    expect(s.read().events).toHaveLength(1);
  });

  it("rejects events that do not fit the schema before writing anything", () => {
    const s = fresh();
    expect(() => s.append([{ t: "answer", item: 5 } as never])).toThrow();
    expect(existsSync(s.file) ? readFileSync(s.file, "utf8") : "").toBe("");
  });
});

describe("ProgressStore crash fragments", () => {
  it("treats any prefix of an event line as an interrupted write", () => {
    const s = fresh();
    s.append([answer("351.4-001")]);
    const full = readFileSync(s.file, "utf8").trimEnd();
    for (let cut = 1; cut < full.length; cut += 7) {
      writeFileSync(s.file, full + "\n" + full.slice(0, cut) + "\n" + full + "\n");
      const r = s.parse(readFileSync(s.file, "utf8"), false);
      expect(r.events).toHaveLength(2);
      expect(r.warnings.join()).toContain("cut off");
    }
  });
});
