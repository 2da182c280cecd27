import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BIN, lpic3, ROOT, tempHome } from "../helpers/cli";
import { allQuestions, answerLine } from "../helpers/content";

const logLines = (home: string) => {
  const f = join(home, "progress.jsonl");
  return existsSync(f) ? readFileSync(f, "utf8") : "";
};

describe("progress store under stress", () => {
  it("keeps every acknowledged answer when the CLI is killed at random moments", async () => {
    let killedMidway = 0;
    for (let round = 0; round < 6; round++) {
      const home = tempHome();
      const child = spawn(process.execPath, [BIN, "quiz", "351.4", "--count", "60", "--seed", String(round + 1)], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? "", LPIC3_HOME: home },
        stdio: ["pipe", "pipe", "ignore"],
      });
      const exited = new Promise((r) => child.on("exit", r));
      // feedback is printed only after the answer is fsync'ed, so every answer whose feedback was seen must be in the log
      let acknowledged = 0;
      let asked = 0;
      child.stdin.on("error", () => {});
      child.stdout.on("data", (d: Buffer) => {
        const text = d.toString();
        acknowledged += (text.match(/✔ Correct\.|✘ Not quite\./g) ?? []).length;
        // answer each question as it is shown, the way a person (or a script) streams answers in
        for (const _ of text.match(/^(Answer with|Type the answer)/gm) ?? []) {
          const a = "ABCD"[asked++ % 4] + "\n";
          setTimeout(() => child.stdin.writable && child.stdin.write(a), 8);
        }
      });
      const started = Date.now();
      while (acknowledged === 0 && Date.now() - started < 20_000) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 150)));
      child.kill("SIGKILL");
      expect(acknowledged).toBeLessThan(60); // the kill landed mid-stream
      await exited;
      const r = lpic3(["stats", "--json"], { env: { LPIC3_HOME: home } });
      expect(r.status).toBe(0);
      const stored = JSON.parse(r.stdout).answers.total;
      expect(stored).toBeGreaterThanOrEqual(acknowledged);
      if (acknowledged > 0 && stored < 60) killedMidway++;
    }
    // the kills really landed while answers were streaming
    expect(killedMidway).toBeGreaterThan(0);
  }, 60_000);

  it("loses nothing when two terminals answer at the same time", async () => {
    const home = tempHome();
    const run = (seed: number) =>
      new Promise<number>((resolve) => {
        const child = spawn(process.execPath, [BIN, "quiz", "351.4", "--count", "30", "--seed", String(seed)], { cwd: ROOT, env: { PATH: process.env.PATH ?? "", LPIC3_HOME: home }, stdio: ["pipe", "ignore", "ignore"] });
        child.stdin.end(Array.from({ length: 30 }, (_, i) => "ABCD"[(i + seed) % 4]).join("\n") + "\n");
        child.on("exit", (code) => resolve(code ?? -1));
      });
    expect(await Promise.all([run(1), run(2)])).toEqual([0, 0]);
    const lines = logLines(home).trimEnd().split("\n");
    expect(lines).toHaveLength(60);
    const ids = lines.map((l) => JSON.parse(l).id);
    expect(new Set(ids).size).toBe(60);
    expect(JSON.parse(lpic3(["stats", "--json"], { env: { LPIC3_HOME: home } }).stdout).answers.total).toBe(60);
  }, 60_000);
});

describe("progress export, import, reset, review", () => {
  it("moves progress between machines without duplicates and resets with a backup", () => {
    const a = tempHome();
    const b = tempHome();
    lpic3(["quiz", "351.4", "--count", "5", "--seed", "9"], { env: { LPIC3_HOME: a }, input: "A\nB\nC\nD\nA\n" });
    const file = join(a, "export.jsonl");
    expect(lpic3(["progress", "export", file], { env: { LPIC3_HOME: a } }).stdout).toBe(`Exported 5 events to ${file}.\n`);
    expect(lpic3(["progress", "import", file], { env: { LPIC3_HOME: b } }).stdout).toMatch(/^Imported 5 new events \(0 were already here\)/);
    expect(lpic3(["progress", "import", file], { env: { LPIC3_HOME: b } }).stdout).toMatch(/^Imported 0 new events \(5 were already here\)/);
    expect(JSON.parse(lpic3(["stats", "--json"], { env: { LPIC3_HOME: b } }).stdout).answers.total).toBe(5);
    writeFileSync(join(b, "bad.jsonl"), '{"v":1,"t":"answer"}\nnot json\n');
    const bad = lpic3(["progress", "import", join(b, "bad.jsonl")], { env: { LPIC3_HOME: b } });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/bad\.jsonl:2: \(json\): not a JSON line/);
    expect(lpic3(["progress", "reset"], { env: { LPIC3_HOME: b } }).status).toBe(2);
    const reset = lpic3(["progress", "reset", "--yes"], { env: { LPIC3_HOME: b } });
    expect(reset.stdout).toMatch(/Progress reset\. The old log is kept as .*before-reset/);
    expect(JSON.parse(lpic3(["stats", "--json"], { env: { LPIC3_HOME: b } }).stdout).answers.total).toBe(0);
  });

  it("serves due questions earliest first", () => {
    const home = tempHome();
    const mk = (item: string, at: string, correct: boolean) => JSON.stringify({ v: 1, id: `${item}-${at}`, at, t: "answer", item, objective: item.slice(0, 5), source: "quiz", given: "A", correct });
    // a miss is due again a minute later, so the oldest miss comes first; a fresh right answer is not due yet
    const file = join(home, "seed.jsonl");
    writeFileSync(file, [mk("351.4-003", "2026-01-01T10:00:00.000Z", false), mk("351.4-001", "2026-01-01T09:00:00.000Z", false), mk("351.4-002", "2026-01-01T11:00:00.000Z", false), mk("351.4-004", new Date(Date.now() - 60_000).toISOString(), true)].join("\n") + "\n");
    lpic3(["progress", "import", file], { env: { LPIC3_HOME: home } });
    const qs = allQuestions();
    const r = lpic3(["review", "--count", "3"], { env: { LPIC3_HOME: home }, input: ["351.4-001", "351.4-003", "351.4-002"].map((id) => answerLine(qs.get(id)!)).join("\n") + "\n" });
    expect(r.status).toBe(0);
    const order = [...r.stdout.matchAll(/Review \d\/3 · (351\.4-\d{3})/g)].map((m) => m[1]);
    expect(order).toEqual(["351.4-001", "351.4-003", "351.4-002"]);
    expect((r.stdout.match(/✔ Correct\./g) ?? []).length).toBe(3);
  });
});
