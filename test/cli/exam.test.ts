import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { planExam } from "../../src/app/exam";
import { objectives } from "../../src/content/repository";
import { BIN, lpic3, ROOT, tempHome } from "../helpers/cli";
import { allQuestions, answerLine } from "../helpers/content";

const countEvents = (home: string, t: string) => {
  const f = join(home, "progress.jsonl");
  return existsSync(f) ? readFileSync(f, "utf8").split("\n").filter((l) => l.includes(`"t":"${t}"`)).length : 0;
};

describe("exam forms", () => {
  it("gives 60 questions per form whose per-objective counts equal the weights, for 50 seeds", () => {
    const weights = new Map(objectives().map((o) => [o.id, o.weight]));
    const forms = new Set<string>();
    for (let seed = 1; seed <= 50; seed++) {
      const plan = planExam(seed);
      expect(plan.questions).toHaveLength(60);
      expect(new Set(plan.questions.map((q) => q.id)).size).toBe(60);
      for (const [id, w] of weights) expect(plan.questions.filter((q) => q.objective === id).length).toBe(w);
      expect(planExam(seed)).toEqual(plan);
      forms.add(plan.questions.map((q) => q.id).join());
    }
    expect(forms.size).toBe(50);
  });

  it("mixes the three question types", () => {
    const types = new Map<string, number>();
    for (let seed = 1; seed <= 20; seed++) for (const q of planExam(seed).questions) types.set(q.type, (types.get(q.type) ?? 0) + 1);
    for (const t of ["single", "multi", "fill"]) expect(types.get(t) ?? 0).toBeGreaterThan(20 * 60 * 0.1);
  });

  it("prints the plan as the contract says, without starting an exam", () => {
    const home = tempHome();
    const r = lpic3(["exam", "--plan", "--seed", "7", "--json"], { env: { LPIC3_HOME: home } });
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.seed).toBe(7);
    expect(j.minutes).toBe(90);
    expect(j.questions).toHaveLength(60);
    expect(Object.keys(j.questions[0]).sort()).toEqual(["id", "objective", "type"]);
    expect(j.questions.map((q: { id: string }) => q.id)).toEqual(planExam(7).questions.map((q) => q.id));
    expect(existsSync(join(home, "progress.jsonl"))).toBe(false);
  });
});

describe("exam end to end", () => {
  it("takes an exam from stdin, survives a kill, resumes with the answers and time left, and scores it", async () => {
    const home = tempHome();
    const env = { PATH: process.env.PATH ?? "", LPIC3_HOME: home };
    const plan = JSON.parse(lpic3(["exam", "--plan", "--seed", "11", "--json"], { env }).stdout) as { questions: { id: string }[] };
    const qs = allQuestions();
    // every third question answered wrong, the 5th left blank
    const lines = plan.questions.map((fq, i) => (i === 4 ? "" : answerLine(qs.get(fq.id)!, i % 3 === 0)));
    const expected = plan.questions.filter((_, i) => i !== 4 && i % 3 !== 0).length;

    // first sitting: 30 lines, then the process is killed
    const child = spawn(process.execPath, [BIN, "exam", "--seed", "11"], { cwd: ROOT, env, stdio: ["pipe", "ignore", "ignore"] });
    child.stdin.write(lines.slice(0, 30).join("\n") + "\n");
    const deadline = Date.now() + 30_000;
    while (countEvents(home, "exam-answer") < 29 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    child.kill("SIGKILL");
    await new Promise((r) => child.on("exit", r));
    expect(countEvents(home, "exam-answer")).toBe(29); // 30 lines, one of them blank
    expect(countEvents(home, "exam-submit")).toBe(0);

    // a new exam is refused while this one is unfinished
    const refused = lpic3(["exam", "--seed", "12"], { env, input: "A\n" });
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain("lpic3 exam --resume");

    // second sitting: the remaining questions (the blank 5th comes back first)
    const rest = [lines[4]!, ...lines.slice(30)].join("\n") + "\n";
    const r = lpic3(["exam", "--resume", "--json"], { env, input: rest });
    expect(r.status).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({ total: 60, correct: expected, reason: "submitted" });
    expect(result.scaled).toBeGreaterThanOrEqual(200);
    expect(result.passed).toBe(result.scaled >= 500);
    expect(Object.values(result.byObjective as Record<string, { total: number }>).reduce((a, o) => a + o.total, 0)).toBe(60);

    // it is in the history, and its answers feed spaced repetition
    const stats = JSON.parse(lpic3(["stats", "--json"], { env }).stdout);
    expect(stats.exams).toHaveLength(1);
    expect(stats.exams[0]).toMatchObject({ correct: expected, total: 60 });
    expect(stats.answers.total).toBe(59);
    expect(lpic3(["exam", "--resume"], { env }).status).toBe(2);
  }, 60_000);

  it("submits with reason timeout when the time is over, and a late answer does not count", async () => {
    const home = tempHome();
    const child = spawn(process.execPath, [BIN, "exam", "--seed", "3", "--minutes", "0.002", "--json", "--objectives", "351.2"], { cwd: ROOT, env: { PATH: process.env.PATH ?? "", LPIC3_HOME: home }, stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let shown = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (shown += d.toString())); // with --json the questions go to stderr
    const exited = new Promise((r) => child.on("exit", r));
    // the exam allows 120 ms; the first answer arrives 400 ms after the first question is shown
    while (!shown.includes("Question 1 of 3")) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 400));
    child.stdin.end("A\nA\nA\n");
    await exited;
    expect(JSON.parse(out)).toMatchObject({ reason: "timeout", total: 3, correct: 0 });
    expect(readFileSync(join(home, "progress.jsonl"), "utf8")).not.toContain('"t":"exam-answer"');
  });
});
