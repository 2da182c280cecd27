import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lpic3, ROOT } from "../helpers/cli";

const ANSI = /\u001b\[/;

describe("lpic3 foundation", () => {
  it("prints its version", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
    expect(lpic3(["--version"])).toEqual({ stdout: `${pkg.version}\n`, stderr: "", status: 0 });
    expect(lpic3(["-V"]).stdout).toBe(`${pkg.version}\n`);
  });

  it("lists the 13 objectives with weights summing to 60", () => {
    const r = lpic3(["topics", "--json"]);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("");
    const j = JSON.parse(r.stdout);
    expect(j.objectives.map((o: { id: string }) => o.id)).toEqual(["351.1", "351.2", "351.3", "351.4", "351.5", "352.1", "352.2", "352.3", "352.4", "353.1", "353.2", "353.3", "353.4"]);
    expect(j.objectives.reduce((a: number, o: { weight: number }) => a + o.weight, 0)).toBe(60);
    expect(j.objectives.find((o: { id: string }) => o.id === "351.4")).toMatchObject({ title: "Libvirt Virtual Machine Management", weight: 9 });
  });

  it("prints help when piped, and per-command help", () => {
    const r = lpic3([]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Usage: lpic3 \[options\] \[command\]/);
    for (const c of ["topics", "study", "search", "shell"]) expect(r.stdout).toContain(`  ${c}`);
    const h = lpic3(["study", "--help"]);
    expect(h.status).toBe(0);
    expect(h.stdout).toContain("Usage: lpic3 study [options] <objective>");
  });

  it("renders a note as plain text when piped and honours colour settings", () => {
    const r = lpic3(["study", "351.4"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^LIBVIRT VIRTUAL MACHINE MANAGEMENT\n=+\n/);
    expect(r.stdout).not.toMatch(ANSI);
    const forced = lpic3(["study", "351.4"], { env: { FORCE_COLOR: "1" } });
    expect(forced.stdout).toMatch(ANSI);
    expect(lpic3(["study", "351.4"], { env: { FORCE_COLOR: "1", NO_COLOR: "1" } }).stdout).not.toMatch(ANSI);
    expect(lpic3(["--no-color", "study", "351.4"], { env: { FORCE_COLOR: "1" } }).stdout).not.toMatch(ANSI);
  });

  it("shows one section by anchor and rejects unknown objectives and sections with exit 2", () => {
    const list = lpic3(["study", "351.4", "--sections"]).stdout.trim().split("\n");
    const anchor = list[0]!.trim().split(/\s+/)[0]!;
    const s = lpic3(["study", "351.4", "--section", anchor]);
    expect(s.status).toBe(0);
    expect(s.stdout.length).toBeLessThan(lpic3(["study", "351.4"]).stdout.length);
    const bad = lpic3(["study", "999.9"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^lpic3: unknown objective '999.9'/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    expect(lpic3(["study", "351.4", "--section", "no-such-section"]).status).toBe(2);
  });

  it("reports usage errors with exit 2 and no stack trace", () => {
    const r = lpic3(["nonsense"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("error: unknown command 'nonsense'");
    expect(lpic3(["topics", "--bogus"]).status).toBe(2);
  });

  it("finds search terms in the notes and highlights them", () => {
    const r = lpic3(["search", "--json", "libvirt"]);
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.results.length).toBeGreaterThan(0);
    expect(j.results[0]).toMatchObject({ kind: "note", objective: "351.4" });
    const plain = lpic3(["search", "libvirt"]);
    expect(plain.stdout).toMatch(/\[libvirt\]/i);
    expect(lpic3(["search", "zzzyxqq"]).status).toBe(1);
  });

  it.each([
    ["backing file", "351.5"],
    ["xenstore", "351.2"],
    ["seccomp", "352.1"],
    ["cloud-localds", "353.3"],
    ["forwarded_port", "353.4"],
  ])("search %s finds the note section of %s first among notes", (query, objective) => {
    const j = JSON.parse(lpic3(["search", "--json", query]).stdout);
    const notes = j.results.filter((r: { kind: string }) => r.kind === "note");
    expect(notes[0].objective).toBe(objective);
  });
});

describe("lpic3 content check", () => {
  const copy = () => {
    const dir = mkdtempSync(join(tmpdir(), "lpic3-content-"));
    cpSync(join(ROOT, "content"), dir, { recursive: true });
    return dir;
  };

  it("passes on the shipped content", () => {
    const r = lpic3(["content", "check", "--json"]);
    const j = JSON.parse(r.stdout);
    expect(j.errors).toEqual([]);
    expect(j.ok).toBe(true);
    expect(r.status).toBe(0);
    expect(j.counts.notes).toBe(13);
  });

  it("names file, line and field for a YAML syntax error, a missing field and a duplicate anchor", () => {
    const dir = copy();
    const note = join(dir, "topics", "351.4.md");
    const text = readFileSync(note, "utf8").split("\n");
    // front matter: drop the weight line, break the YAML of another note, duplicate an anchor
    writeFileSync(note, text.filter((l) => !l.startsWith("weight:")).join("\n") + "\n## Again {#exam-traps}\n\nA second section with an anchor the note already uses.\n");
    const other = join(dir, "topics", "351.1.md");
    writeFileSync(other, readFileSync(other, "utf8").replace(/^title: (.*)$/m, "title: [unclosed"));
    const r = lpic3(["content", "check"], { env: { LPIC3_CONTENT_DIR: dir } });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/topics\/351\.4\.md:\d+: weight: required field is missing/);
    expect(r.stderr).toMatch(/topics\/351\.4\.md:\d+: \(anchor\): duplicate anchor '#exam-traps' \(first used on line \d+\)/);
    // the parser notices the unclosed [ where the next key starts
    expect(r.stderr).toMatch(/topics\/351\.1\.md:4: \(yaml\): Flow sequence in block collection must be sufficiently indented and end with a \]\n/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("finds a broken cross-reference and a duplicate question id", () => {
    const dir = copy();
    const note = join(dir, "topics", "351.4.md");
    writeFileSync(note, readFileSync(note, "utf8") + "\nSee [nowhere](351.3#no-such-anchor).\n");
    const bank = join(dir, "quizzes", "351.2.yaml");
    writeFileSync(bank, readFileSync(bank, "utf8").replace('id: "351.2-002"', 'id: "351.2-001"'));
    const r = lpic3(["content", "check", "--json"], { env: { LPIC3_CONTENT_DIR: dir } });
    expect(r.status).toBe(2);
    const j = JSON.parse(r.stdout);
    expect(j.ok).toBe(false);
    expect(j.errors).toContainEqual(expect.objectContaining({ field: "(link)", message: expect.stringContaining("351.3#no-such-anchor") }));
    expect(j.errors).toContainEqual(expect.objectContaining({ file: expect.stringMatching(/quizzes\/351\.2\.yaml$/), field: "questions[1].id", message: expect.stringContaining("duplicate id '351.2-001'") }));
  });
});
