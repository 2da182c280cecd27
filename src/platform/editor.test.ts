import { chmodSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { editorArgv, editorCommand, editText } from "./editor";

let dir: string;
let saved: string | undefined;
beforeEach(() => {
  saved = process.env.LPIC3_HOME;
  dir = mkdtempSync(join(tmpdir(), "lpic3-editor-"));
  process.env.LPIC3_HOME = dir;
});
afterEach(() => {
  if (saved === undefined) delete process.env.LPIC3_HOME;
  else process.env.LPIC3_HOME = saved;
});

describe("the learner's editor", () => {
  it("prefers VISUAL, then EDITOR, the simulated shell's before the real ones, and falls back to vi on PATH", () => {
    expect(editorCommand({ EDITOR: "nano", VISUAL: "vim" }, {})).toBe("vim");
    expect(editorCommand({}, { EDITOR: "emacs" })).toBe("emacs");
    expect(editorCommand({ EDITOR: "ed" }, { EDITOR: "emacs" })).toBe("ed");
    const bin = join(dir, "bin");
    writeFileSync(join(dir, "vi"), "#!/bin/sh\n");
    chmodSync(join(dir, "vi"), 0o755);
    expect(editorCommand({}, { PATH: dir })).toBe("vi");
    expect(editorCommand({}, { PATH: bin })).toBeUndefined();
  });

  it("runs a plain editor name directly and anything else through sh -c, as virsh does", () => {
    expect(editorArgv("/usr/bin/vi", "/tmp/a.xml")).toEqual(["/usr/bin/vi", "/tmp/a.xml"]);
    expect(editorArgv("false --x", "/tmp/a.xml")).toEqual(["sh", "-c", "false --x /tmp/a.xml"]);
    // a data directory with a space: quoted, where virsh would refuse to run
    expect(editorArgv("sed -i s/a/b/", "/tmp/a b.xml")).toEqual(["sh", "-c", "sed -i s/a/b/ '/tmp/a b.xml'"]);
  });

  it("returns the edited text", () => {
    const script = join(dir, "ed.sh");
    writeFileSync(script, "#!/bin/sh\nsed -i 's/4096/2048/' \"$1\"\n");
    chmodSync(script, 0o755);
    expect(editText(script, "<memory>4096</memory>\n", ".xml")).toEqual({ kind: "edited", text: "<memory>2048</memory>\n" });
    expect(editText("sed -i s/4096/1024/", "<memory>4096</memory>\n", ".xml")).toEqual({ kind: "edited", text: "<memory>1024</memory>\n" });
  });

  it("reports how a failing editor failed, with the argv as run on the temporary file", () => {
    const tmp = join(dir, "tmp");
    const file = (argv: string[]) => argv[argv.length - 1]!.split(" ").pop()!;
    const r1 = editText("false", "x\n", ".xml");
    expect(r1).toMatchObject({ kind: "exit", status: 1 });
    if (r1.kind !== "exit") throw new Error();
    expect(r1.argv[0]).toBe("false");
    expect(r1.argv[1]).toMatch(new RegExp(`^${tmp}/virsh[A-Za-z0-9]{6}\\.xml$`));
    expect(readdirSync(tmp)).toEqual([]); // the temporary copy is gone
    const r2 = editText("false --x", "x\n", ".xml");
    expect(r2).toMatchObject({ kind: "exit", status: 1 });
    if (r2.kind !== "exit") throw new Error();
    expect(r2.argv.slice(0, 2)).toEqual(["sh", "-c"]);
    expect(r2.argv[2]).toBe(`false --x ${file(r2.argv)}`);
    expect(editText("/nonexistent", "x\n", ".xml")).toMatchObject({ kind: "exec-failed", errno: "ENOENT", message: "No such file or directory", argv: ["/nonexistent", expect.any(String)] });
    expect(editText(dir, "x\n", ".xml")).toMatchObject({ kind: "exec-failed", errno: "EACCES", message: "Permission denied" });
    expect(editText("no-such-editor-here", "x\n", ".xml")).toMatchObject({ kind: "not-found", argv: ["no-such-editor-here", expect.any(String)] });
    expect(editText("./no-such-editor", "x\n", ".xml")).toMatchObject({ kind: "not-found" });
    const killer = join(dir, "kill.sh");
    writeFileSync(killer, "#!/bin/sh\nkill -TERM $$\n");
    chmodSync(killer, 0o755);
    expect(editText(killer, "x\n", ".xml")).toMatchObject({ kind: "signal", signal: 15, argv: [killer, expect.any(String)] });
  });
});
