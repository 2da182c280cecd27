import { describe, expect, it } from "vitest";
import { drillRunner } from "../app/drill";
import { openWorld } from "../app/shell";
import { canonicalHosts, cleanAnswer, facts, gradeDrill, lineDiff, maskOutput, type GradeSpec } from "./drill-grading";

const world = openWorld("lab-kvm").world;
const spec = (answer: string, o: Partial<GradeSpec> = {}): GradeSpec => ({ answer, grade: "auto", mask: [], ignorePaths: [], ...o });
const grade = (ref: string, answer: string, o: Partial<GradeSpec> = {}) => gradeDrill(world, spec(ref, o), answer, drillRunner);

describe("gradeDrill", () => {
  it("passes a command with the same effect, whatever names the domain", () => {
    expect(grade("virsh autostart web", "virsh autostart web").correct).toBe(true);
    expect(grade("virsh autostart web", "virsh autostart --domain web").correct).toBe(true);
    expect(grade("virsh autostart web", "virsh autostart 1").correct).toBe(true);
    expect(grade("virsh autostart web", "virsh autostart 6f1c2a9e-3b4d-4e5f-8a7b-1c2d3e4f5a01").correct).toBe(true);
  });

  it("fails a command that does something else, with a plain diff", () => {
    const g = grade("virsh autostart web", "virsh autostart db");
    expect(g.correct).toBe(false);
    expect(g.compared).toBe("state");
    expect(g.diff).toContain("host1: domain web autostart: expected yes, yours no");
    expect(g.diff).toContain("host1: domain db autostart: expected no, yours yes");
  });

  it("reports the simulator's own error when the answer fails", () => {
    const g = grade("virsh start db", "virsh start dbb");
    expect(g.correct).toBe(false);
    expect(g.reason).toBe("your command failed: error: failed to get domain 'dbb'");
    expect(g.yours.exit).toBe(1);
  });

  it("says when an answer changed nothing", () => {
    expect(grade("virsh start db", "virsh list --all").reason).toBe("your command changed nothing");
    expect(grade("virsh start db", "").reason).toBe("no command was given");
    expect(grade("virsh start db", "touch /root/notes.txt").reason).toBe("your command changed nothing the task is about (files in /tmp, /root, /home do not count)");
  });

  it("compares the output of query commands", () => {
    const ok = grade("virsh dominfo web", "virsh dominfo --domain 1");
    expect(ok.compared).toBe("output");
    expect(ok.correct).toBe(true);
    const bad = grade("virsh list --all", "virsh list");
    expect(bad.correct).toBe(false);
    expect(bad.diff).toContain("-  -    db     shut off");
  });

  it("ignores scratch files an answer leaves, unless the reference writes there", () => {
    expect(grade("virsh autostart web", "virsh dumpxml web > /tmp/web.xml; virsh autostart web").correct).toBe(true);
    expect(grade("virsh dumpxml web > /root/web.xml", "virsh dumpxml web > /root/web.xml").correct).toBe(true);
    expect(grade("virsh dumpxml web > /root/web.xml", "virsh dumpxml db > /root/web.xml").correct).toBe(false);
    expect(grade("virsh dumpxml web > /root/web.xml", "virsh dumpxml web > /root/other.xml").correct).toBe(false);
  });

  it("numbers new UUIDs and MACs by appearance, so a different counter does not matter", () => {
    // an extra command that consumes ids before the real one still has the same effect
    const ref = "virsh net-define /root/xml/labnet.xml";
    const g = grade(ref, "virsh net-define /root/xml/labnet.xml");
    expect(g.correct).toBe(true);
  });

  it("words an object that only one side has in one line", () => {
    const g = grade("virsh undefine db", "virsh define /root/xml/app.xml");
    expect(g.diff).toContain("host1: domain db: yours has it (state shut off), the reference does not");
    expect(g.diff).toContain("host1: domain app: yours has it (state shut off), the reference does not");
    const h = grade("virsh define /root/xml/app.xml", "virsh undefine db");
    expect(h.diff).toContain("host1: domain app: expected it to exist (state shut off), but yours has none");
  });

  it("grades a short sequence", () => {
    const ref = "virsh net-start isolated\nvirsh net-autostart isolated";
    expect(grade(ref, "virsh net-autostart isolated && virsh net-start isolated").correct).toBe(true);
    expect(grade(ref, "virsh net-start isolated").correct).toBe(false);
  });
});

describe("normalising", () => {
  it("leaves the start state equal to itself and drops times", () => {
    const a = canonicalHosts(world);
    const later = drillRunner(world, "virsh list; virsh dominfo web").world;
    expect(canonicalHosts(later)).toEqual(a);
  });

  it("masks dates and CPU time in output", () => {
    expect(maskOutput("CPU time:       2530.5s\n")).toBe("CPU time:       <time>\n");
    expect(maskOutput(" snap1   2026-01-15 09:00:08 +0000   running\n")).toBe(" snap1   <time>   running\n");
    expect(maskOutput("x 12 y", ["\\d+"])).toBe("x <masked> y");
  });

  it("diffs lines", () => {
    expect(lineDiff("a\nb\nc\n", "a\nc\nd\n")).toEqual(["- b", "+ d"]);
  });

  it("strips a pasted prompt", () => {
    expect(cleanAnswer("$ virsh list")).toBe("virsh list");
    expect(cleanAnswer("root@host1:~# virsh list\n")).toBe("virsh list");
    expect(cleanAnswer("virsh list | grep -c '#'")).toBe("virsh list | grep -c '#'");
  });

  it("summarises a host as facts", () => {
    const f = facts(world);
    expect(f.get("host1: domain web\u0001state")).toBe("running");
    expect(f.get("host1: domain db\u0001vCPUs")).toBe("2 (max 4)");
  });
});
