// virsh's command table: every command and option of virsh 9.0 (recorded from libvirt's sources into
// commands.json), grouped as `virsh help` shows them. Parsing, help and completion all read this table.
import data from "./commands.json";

export type OptKind = "bool" | "string" | "int" | "data" | "argv" | "alias";

export interface OptDef {
  name: string;
  type: OptKind;
  /** req: must be given; req_opt: only as --name value (never positional); empty_ok: "" allowed. */
  flags?: string[];
  help?: string;
  /** libvirt's completer function name; see completion.ts for what fills it. */
  completer?: string;
}

export interface CmdDef {
  name: string;
  help: string;
  desc?: string;
  /** noconnect, alias, hidden. */
  flags?: string[];
  /** For alias entries: the command this name stands for. */
  alias?: string;
  opts: OptDef[];
  group: string;
}

export interface CmdGroup {
  name: string;
  keyword: string;
  commands: CmdDef[];
}

interface RawCmd {
  name: string;
  help?: string;
  desc?: string;
  flags?: string[];
  alias?: string;
  opts?: OptDef[];
}

export const GROUPS: CmdGroup[] = (data.groups as { name: string; keyword: string; commands: RawCmd[] }[]).map((g) => ({
  name: g.name,
  keyword: g.keyword,
  commands: g.commands.map((c) => ({ name: c.name, help: c.help ?? "", ...(c.desc ? { desc: c.desc } : {}), ...(c.flags ? { flags: c.flags } : {}), ...(c.alias ? { alias: c.alias } : {}), opts: c.opts ?? [], group: g.keyword })),
}));

const BY_NAME = new Map<string, CmdDef>();
for (const g of GROUPS) for (const c of g.commands) if (!BY_NAME.has(c.name)) BY_NAME.set(c.name, c);

/** vshCmddefSearch: a command (or alias entry) by exact name. */
export const findCommand = (name: string): CmdDef | undefined => BY_NAME.get(name);

/** vshCmdGrpSearch: a group by its name or keyword. */
export const findGroup = (name: string): CmdGroup | undefined => GROUPS.find((g) => g.name === name || g.keyword === name);

export const hasFlag = (o: { flags?: string[] }, f: string) => o.flags?.includes(f) ?? false;

/** Names a user can type, without hidden commands (for completion). */
export function visibleCommands(): string[] {
  const outNames: string[] = [];
  for (const g of GROUPS) for (const c of g.commands) if (!hasFlag(c, "hidden")) outNames.push(c.name);
  return outNames;
}

/** The table self-test (what `virsh self-test` checks, plus our own rules). Returns problems found. */
export function checkTable(): string[] {
  const problems: string[] = [];
  for (const g of GROUPS) {
    for (const c of g.commands) {
      if (c.alias) {
        if (!BY_NAME.has(c.alias)) problems.push(`${c.name}: alias of unknown command ${c.alias}`);
        continue;
      }
      if (!c.help) problems.push(`${c.name}: no summary`);
      let optional = false;
      c.opts.forEach((o, i) => {
        if (o.type === "bool") {
          optional = true;
          if (hasFlag(o, "req")) problems.push(`${c.name} --${o.name}: a flag cannot be required`);
          return;
        }
        if (o.type === "alias") {
          const target = (o.help ?? "").split("=")[0];
          const t = c.opts.slice(i + 1).find((x) => x.name === target && x.type !== "alias");
          if (!t) problems.push(`${c.name} --${o.name}: alias of unknown option ${target}`);
          else if ((o.help ?? "").includes("=") && t.type === "bool") problems.push(`${c.name} --${o.name}: alias with a value for a flag`);
          return;
        }
        if (hasFlag(o, "req_opt")) {
          if (!hasFlag(o, "req")) optional = true;
          return;
        }
        if (hasFlag(o, "req")) {
          if (optional && o.type !== "argv") problems.push(`${c.name} --${o.name}: required positional after optional ones`);
        } else optional = true;
        if (o.type === "argv" && i !== c.opts.length - 1) problems.push(`${c.name} --${o.name}: argv option not last`);
      });
      if (c.opts.length > 64) problems.push(`${c.name}: too many options`);
    }
  }
  return problems;
}
