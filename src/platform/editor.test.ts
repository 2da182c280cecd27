import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
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
    expect(editorArgv("sed -i s/a/b/", "/tmp/a b.xml")).toEqual(["sh", "-c", "sed -i s/a/b/ '/tmp/a b.xml'"]);
  });

  it("returns the edited text, or null when the editor fails", () => {
    const script = join(dir, "ed.sh");
    writeFileSync(script, "#!/bin/sh\nsed -i 's/4096/2048/' \"$1\"\n");
    chmodSync(script, 0o755);
    expect(editText(script, "<memory>4096</memory>\n", ".xml")).toBe("<memory>2048</memory>\n");
    expect(editText("sed -i s/4096/1024/", "<memory>4096</memory>\n", ".xml")).toBe("<memory>1024</memory>\n");
    expect(editText("false", "x\n", ".xml")).toBeNull();
  });
});
