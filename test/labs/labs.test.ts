// Every lab verifies (checks fail on the start state, pass after the reference solution), in-process and
// through `lpic3 lab verify --all`; a learner can complete a lab end to end through the lab shell.
import { describe, expect, it } from "vitest";
import { labList, verifyLab } from "../../src/app/lab";
import { Lab } from "../../src/content/lab-schema";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { allQuestions, answerLine } from "../helpers/content";
import { lpic3, tempHome } from "../helpers/cli";

const labs = labList().map((l) => l.lab);

describe("labs", () => {
  for (const lab of labs) {
    it(`${lab.id} verifies`, () => {
      const v = verifyLab(lab);
      expect(v.problems).toEqual([]);
    });
  }

  it("lpic3 lab verify --all passes", () => {
    const r = lpic3(["lab", "verify", "--all", "--json"]);
    const j = JSON.parse(r.stdout);
    expect(j.labs.filter((l: { ok: boolean }) => !l.ok)).toEqual([]);
    expect(j.labs.length).toBe(labs.length);
    expect(r.status).toBe(0);
  });

  it("lpic3 lab verify fails for a lab whose solution does not solve it", async () => {
    const { mkdtempSync, writeFileSync, readFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const { ROOT } = await import("../helpers/cli");
    const dir = mkdtempSync(join(tmpdir(), "lpic3-labs-"));
    const text = readFileSync(join(ROOT, "labs", "351.4-01-virsh-first-steps.yaml"), "utf8").replace("  virsh resume test\n", "");
    writeFileSync(join(dir, "broken.yaml"), text);
    const r = lpic3(["lab", "verify", "virsh-first-steps"], { env: { LPIC3_LABS_DIR: dir } });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("FAIL virsh-first-steps");
    expect(r.stdout).toContain('task 3 ("Let the paused domain test run again.") fails after the solution: its state is paused, not running');
  });

  it("verification catches a task that already passes, a failing solution command and a broken setup", () => {
    const base = Lab.parse({
      id: "tmp-lab",
      objective: "351.4",
      title: "A lab for the verifier",
      level: "practice",
      minutes: 5,
      fixture: "lab-kvm",
      story: "A lab whose checks and solution are wrong in instructive ways, for the tests.",
      tasks: [
        { title: "Keep web running.", checks: [{ domain: { name: "web", state: "running" } }], hints: ["It already runs."] },
        { title: "Start db.", checks: [{ domain: { name: "db", state: "running" } }], hints: ["virsh start db"] },
      ],
      solution: "virsh start nosuchdomain\nvirsh start db\n",
    });
    const v = verifyLab(base);
    expect(v.ok).toBe(false);
    expect(v.problems).toEqual([
      'task 1 ("Keep web running.") already passes on the start state',
      "solution command `virsh start nosuchdomain` exited with 1: error: failed to get domain 'nosuchdomain'",
    ]);
    const broken = verifyLab({ ...base, setup: "qemu-img info /nope.qcow2" });
    expect(broken.problems[0]).toMatch(/^the start state does not load \(fixture 'lab-kvm'\): setup command `qemu-img info \/nope.qcow2` exited with 1: qemu-img: Could not open/);
  });

  it("lpic3 lab list --json follows the contract", () => {
    const j = JSON.parse(lpic3(["lab", "list", "--json"]).stdout);
    expect(j.labs.length).toBe(labs.length);
    expect(j.labs[0]).toMatchObject({ id: expect.any(String), objective: expect.stringMatching(/^35\d\.\d$/), title: expect.any(String), tasks: expect.any(Number) });
  });
});

describe("a learner in the lab shell", () => {
  it("completes a lab end to end, with live checks, hints and progress kept between runs", () => {
    const home = tempHome();
    const env = { LPIC3_HOME: home };
    const first = lpic3(["lab", "start", "virsh-first-steps"], { env, input: "virsh list --all\nlab hint\nvirsh start db\n" });
    expect(first.status).toBe(0);
    expect(first.stdout).toContain("[ ] 1. Start the domain db.");
    expect(first.stdout).toContain("Hint for task 1 (Start the domain db.)");
    expect(first.stdout).toContain("its state is shut off, not running");
    expect(first.stdout).toContain("✓ Task 1 done: Start the domain db.");

    // the state persists: status shows task 1 done, and the next session resumes there
    const status = JSON.parse(lpic3(["lab", "status", "virsh-first-steps", "--json"], { env }).stdout);
    expect(status.labs[0].tasks.map((t: { done: boolean }) => t.done)).toEqual([true, false, false]);
    // `lpic3 shell --lab ID` is the same lab shell
    const second = lpic3(["shell", "--lab", "virsh-first-steps"], { env, input: "virsh domstate db\nvirsh autostart web\nvirsh resume test\n" });
    expect(second.stdout).toContain("(resumed)");
    expect(second.stdout).toContain("[x] 1. Start the domain db.");
    expect(second.stdout).toMatch(/^running$/m);
    expect(second.stdout).toContain("All 3 tasks done: lab virsh-first-steps complete.");

    const check = JSON.parse(lpic3(["lab", "check", "virsh-first-steps", "--json"], { env }).stdout);
    expect(check.done).toBe(true);
    const stats = JSON.parse(lpic3(["stats", "--json"], { env }).stdout);
    expect(stats.labs).toMatchObject({ started: 1, completed: 1, assisted: 0, ids: ["virsh-first-steps"] });

    const mixed = lpic3(["shell", "--lab", "virsh-first-steps", "--host", "xen"], { env, input: "" });
    expect(mixed.status).toBe(2);
    expect(mixed.stderr).toContain("--lab opens the lab's own host");
  });

  it("marks a lab assisted once the solution is shown, and reset starts it afresh", () => {
    const env = { LPIC3_HOME: tempHome() };
    const sol = lpic3(["lab", "solution", "virsh-first-steps"], { env });
    expect(sol.stdout).toContain("virsh autostart web");
    lpic3(["lab", "start", "virsh-first-steps"], { env, input: "virsh start db\nvirsh autostart web\nvirsh resume test\n" });
    const stats = JSON.parse(lpic3(["stats", "--json"], { env }).stdout);
    expect(stats.labs).toMatchObject({ completed: 0, assisted: 1 });
    expect(lpic3(["lab", "reset", "virsh-first-steps"], { env }).stdout).toContain("reset");
    const status = JSON.parse(lpic3(["lab", "status", "virsh-first-steps", "--json"], { env }).stdout);
    expect(status.labs[0]).toMatchObject({ started: false, completed: false });
  });

  it("completes a lab whose start state comes from setup commands (images with data)", () => {
    const env = { LPIC3_HOME: tempHome() };
    const input = [
      "qemu-img info /srv/golden/debian12.qcow2",
      "qemu-img create -f qcow2 -b /srv/golden/debian12.qcow2 -F qcow2 /srv/images/web01.qcow2",
      "qemu-img create -f qcow2 -b /srv/golden/debian12.qcow2 /srv/images/web02.qcow2",
      "lab check",
      "qemu-img create -f qcow2 -b /srv/golden/debian12.qcow2 -F qcow2 /srv/images/web02.qcow2",
      "qemu-img create -f qcow2 -b /srv/images/web01.qcow2 -F qcow2 /srv/images/web01-test.qcow2",
    ].join("\n") + "\n";
    const r = lpic3(["lab", "start", "qemu-img-overlays"], { env, input });
    expect(r.stdout).toContain("virtual size: 10 GiB");
    expect(r.stderr).toContain("Backing file specified without backing format");
    expect(r.stdout).toContain("/srv/images/web02.qcow2 does not exist");
    expect(r.stdout).toContain("✓ Task 1 done");
    expect(r.stdout).toContain("All 2 tasks done: lab qemu-img-overlays complete.");
  });

  it("computes a hint from what differs", () => {
    const env = { LPIC3_HOME: tempHome() };
    const h = lpic3(["lab", "hint", "virsh-first-steps"], { env });
    expect(h.stdout).toContain("1. Inactive domains only appear in the list with --all.");
    const h2 = lpic3(["lab", "hint", "virsh-first-steps"], { env });
    expect(h2.stdout).toContain("2. The command that boots a defined domain is 'virsh start'.");
  });
});

describe("drills from the command line", () => {
  it("lists drills and grades an answer as the contract says", () => {
    const list = JSON.parse(lpic3(["drill", "list", "--json"]).stdout);
    expect(list.drills.length).toBeGreaterThan(0);
    expect(list.drills[0]).toMatchObject({ id: expect.any(String), objective: expect.any(String), tool: expect.any(String), fixture: expect.any(String), answer: expect.any(String) });
    const xl = JSON.parse(lpic3(["drill", "list", "--json", "--tool", "xl"]).stdout);
    expect(xl.drills.length).toBe(list.drills.filter((d: { tool: string }) => d.tool === "xl").length);
    expect(new Set(xl.drills.map((d: { tool: string }) => d.tool))).toEqual(new Set(["xl"]));
    const both = JSON.parse(lpic3(["drill", "list", "--json", "-t", "qemu-img", "-t", "xl", "-o", "351.5"]).stdout);
    expect(both.drills.length).toBeGreaterThan(0);
    for (const d of both.drills) expect(["qemu-img/351.5", "xl/351.5"]).toContain(`${d.tool}/${d.objective}`);
    const unknown = lpic3(["drill", "list", "--tool", "qemu-io"]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("unknown tool 'qemu-io'");
    const ok = lpic3(["drill", "grade", "--item", "virsh-autostart", "--answer", "virsh autostart --domain web", "--json"]);
    expect(JSON.parse(ok.stdout)).toMatchObject({ correct: true, reason: expect.any(String) });
    const bad = lpic3(["drill", "grade", "--item", "virsh-autostart", "--answer", "virsh autostart db", "--json"]);
    expect(JSON.parse(bad.stdout)).toMatchObject({ correct: false });
    expect(lpic3(["drill", "grade", "--item", "no-such-drill", "--answer", "x"]).status).toBe(2);
  });

  it("points drills missed repeatedly to the note section that teaches them", () => {
    const home = tempHome();
    const env = { LPIC3_HOME: home };
    const d = (at: string) => JSON.stringify({ v: 1, id: `miss-${at}`, at, t: "drill", item: "virsh-autostart", objective: "351.4", tool: "virsh", answer: "virsh list", correct: false });
    writeFileSync(join(home, "seed.jsonl"), [d("2026-01-01T09:00:00.000Z"), d("2026-01-01T10:00:00.000Z")].join("\n") + "\n");
    lpic3(["progress", "import", join(home, "seed.jsonl")], { env });
    const r = lpic3(["drill", "--due"], { env, input: "virsh list\n" });
    expect(r.stdout).toContain("virsh-autostart (missed 3×): lpic3 study 351.4 --section start-stop");
  });

  it("runs a drill session from stdin and records the results for stats and review", () => {
    const env = { LPIC3_HOME: tempHome() };
    const r = lpic3(["drill", "--tool", "virsh", "--count", "2", "--seed", "1"], { env, input: "virsh list\nvirsh list\n" });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("Summary: 0/2 correct");
    const stats = JSON.parse(lpic3(["stats", "--json"], { env }).stdout);
    expect(stats.drills.virsh).toMatchObject({ answered: 2, correct: 0 });
  });
});

describe("review", () => {
  it("serves due drills among due questions, earliest due first, and --due filters drills", () => {
    const home = tempHome();
    const env = { LPIC3_HOME: home };
    const q = (item: string, at: string) => JSON.stringify({ v: 1, id: `${item}-${at}`, at, t: "answer", item, objective: "351.4", source: "quiz", given: "A", correct: false });
    const d = (item: string, at: string) => JSON.stringify({ v: 1, id: `${item}-${at}`, at, t: "drill", item, objective: "351.4", tool: "virsh", answer: "virsh list", correct: false });
    const file = join(home, "seed.jsonl");
    writeFileSync(file, [q("351.4-001", "2026-01-01T09:00:00.000Z"), d("virsh-autostart", "2026-01-01T09:30:00.000Z"), q("351.4-002", "2026-01-01T10:00:00.000Z")].join("\n") + "\n");
    lpic3(["progress", "import", file], { env });
    const due = lpic3(["drill", "--due"], { env, input: "virsh autostart web\n" });
    expect(due.stdout).toContain("Drill 1/1 · virsh-autostart");
    expect(due.stdout).toContain("✔ Correct");
    // answered right just now: no longer due, so review serves only the questions
    const qs = allQuestions();
    const r1 = lpic3(["review", "--count", "5"], { env, input: ["351.4-001", "351.4-002"].map((id) => answerLine(qs.get(id)!)).join("\n") + "\n" });
    expect([...r1.stdout.matchAll(/Review \d\/\d · ([\w.-]+)/g)].map((m) => m[1])).toEqual(["351.4-001", "351.4-002"]);

    const home2 = tempHome();
    const env2 = { LPIC3_HOME: home2 };
    const file2 = join(home2, "seed.jsonl");
    writeFileSync(file2, [q("351.4-001", "2026-01-01T09:00:00.000Z"), d("virsh-autostart", "2026-01-01T09:30:00.000Z"), q("351.4-002", "2026-01-01T10:00:00.000Z")].join("\n") + "\n");
    lpic3(["progress", "import", file2], { env: env2 });
    const r = lpic3(["review", "--count", "5"], { env: env2, input: [answerLine(qs.get("351.4-001")!), "virsh autostart web", answerLine(qs.get("351.4-002")!)].join("\n") + "\n" });
    expect(r.status).toBe(0);
    expect([...r.stdout.matchAll(/Review \d\/3 · ([\w.-]+)/g)].map((m) => m[1])).toEqual(["351.4-001", "virsh-autostart", "351.4-002"]);
    expect(r.stdout).toContain("Summary: 3/3 correct");
  });
});
