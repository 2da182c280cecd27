import { describe, expect, test } from "vitest";
import { parseNote } from "../content/notes";
import { loadNotes } from "../content/repository";
import { checkNoteCommands } from "./note-commands";

function note(body: string) {
  const text = `---\nid: "351.5"\ntitle: Disk images\nweight: 8\n---\n# Disk images {#images}\n\n${body}\n`;
  const r = parseNote("content/notes/351.5.md", text);
  if (!r.note) throw new Error(JSON.stringify(r.issues));
  return r.note;
}

describe("content check: commands in the notes' sh blocks", () => {
  test("a command the real tool rejects is reported at its file line with the tool's message", () => {
    const n = note(["Text.", "", "```sh", "qemu-img create -f qcow2 disk.qcow2 10G   # fine", "virsh list --bogus", "xl list -Q", "```"].join("\n"));
    const r = checkNoteCommands([n]);
    expect(r.issues.map((i) => [i.line, i.message.split(" (in ")[0]])).toEqual([
      [12, "error: command 'list' doesn't support option --bogus"],
      [13, "option `Q' not supported."],
    ]);
    expect(r.checked).toMatchObject({ "qemu-img": 1, virsh: 1, xl: 1 });
  });

  test("continuations, pipelines, sudo and a command substitution are checked command by command", () => {
    const n = note(["```bash", "sudo qemu-img convert -O qcow2 \\", "   in.raw out.qcow2 | cat", "echo $(virsh domuuid web01 --nope)", "```"].join("\n"));
    const r = checkNoteCommands([n]);
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]).toMatchObject({ line: 11, field: "(command)" });
    expect(r.issues[0]!.message).toContain("--nope");
  });

  test("a guestfish here-document is checked line by line", () => {
    const n = note(["```sh", "guestfish -a disk.img <<'EOF'", "run", "no-such-command /x", "EOF", "```"].join("\n"));
    const r = checkNoteCommands([n]);
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]!.line).toBe(11);
  });

  test("every command of the shipped notes passes", () => {
    const r = checkNoteCommands(loadNotes().value);
    expect(r.issues).toEqual([]);
    expect(Object.values(r.checked).reduce((a, b) => a + b, 0)).toBeGreaterThan(250);
  });
});
