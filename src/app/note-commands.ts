// `content check` for the commands in the notes: every command of a ```sh block whose program the lab
// simulates must be one the real tool accepts. Each is syntax-checked by the tool's own parser (Tool.check,
// Tool.checkInput for a here-document it reads); nothing runs.
import type { ContentChecker } from "../content/check";
import type { ContentIssue } from "../content/issues";
import type { Note } from "../content/notes";
import { shCommands } from "../content/sh-blocks";
import type { ToolRegistry } from "../sim/shell/registry";
import { createRegistry } from "../sim/tools/index";

export interface NoteCommandReport {
  issues: ContentIssue[];
  /** Commands checked, by tool name. */
  checked: Record<string, number>;
  /** Commands of simulated programs without a check (coreutils ...), by program. */
  unchecked: Record<string, number>;
  /** Shell source the extractor could not read, with the reason. */
  skipped: { file: string; line: number; reason: string }[];
}

export function checkNoteCommands(notes: Note[], registry: ToolRegistry = createRegistry()): NoteCommandReport {
  const rep: NoteCommandReport = { issues: [], checked: {}, unchecked: {}, skipped: [] };
  for (const n of notes) {
    const x = shCommands(n.markdown, n.bodyLine);
    for (const s of x.skipped) rep.skipped.push({ file: n.file, line: s.line, reason: s.reason });
    for (const c of x.commands) {
      const prog = c.words[0]!;
      const tool = registry.get(prog) ?? (prog.includes("/") ? registry.get(prog.slice(prog.lastIndexOf("/") + 1)) : undefined);
      if (!tool) continue;
      if (!tool.check) {
        rep.unchecked[tool.name] = (rep.unchecked[tool.name] ?? 0) + 1;
        continue;
      }
      rep.checked[tool.name] = (rep.checked[tool.name] ?? 0) + 1;
      const args = c.words.slice(1);
      const shown = c.text.length > 100 ? `${c.text.slice(0, 97)}...` : c.text;
      const msg = tool.check(args);
      if (msg !== null) {
        rep.issues.push({ file: n.file, line: c.line, field: "(command)", message: `${msg} (in \`${shown}\`)` });
        continue;
      }
      if (c.stdin && tool.checkInput) {
        const e = tool.checkInput(args, c.stdin.text);
        if (e) rep.issues.push({ file: n.file, line: c.stdin.line + e.line - 1, field: "(command)", message: `${e.message} (in the input of \`${shown}\`)` });
      }
    }
  }
  return rep;
}

export const noteCommandChecker: ContentChecker = {
  name: "note commands",
  run(ctx) {
    return { issues: checkNoteCommands(ctx.notes).issues };
  },
};
