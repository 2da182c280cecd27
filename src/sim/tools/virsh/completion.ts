// Tab completion for virsh: command names, options from the table, and live object names for options whose
// libvirt completer names a kind of object (domains, pools, volumes, networks, snapshots, files ...).
import { basename, dirname, listDir, resolvePath, stat } from "../../model/fs";
import { defaultUri } from "../../model/libvirt/connect";
import { domName } from "../../model/libvirt/domain-xml";
import { netName, poolName } from "../../model/libvirt/net-xml";
import { parseCommands, stringSource, argvSource, type TokenSource } from "./parse";
import { findCommand, visibleCommands, type CmdDef, type OptDef } from "./table";
import type { Virsh } from "./runtime";

const GLOBAL_OPTS = ["-c", "--connect", "-d", "--debug", "-e", "--escape", "-h", "--help", "-k", "--keepalive-interval", "-K", "--keepalive-count", "-l", "--log", "-q", "--quiet", "-r", "--readonly", "-t", "--timing", "-v", "-V", "--version"];

/** Words of the command being typed: after the last `;` of a command string. */
function currentWords(line: string): { words: string[]; partial: string } {
  const seg = line.slice(line.lastIndexOf(";") + 1);
  const src = stringSource(seg);
  const words: string[] = [];
  for (;;) {
    const t = src.next(false);
    if (t.kind !== "arg") break;
    words.push(t.text);
  }
  const endsWithSpace = /\s$/.test(seg) || seg === "";
  const partial = endsWithSpace ? "" : (words.pop() ?? "");
  return { words, partial };
}

function objectNames(v: Virsh, o: OptDef | undefined, words: string[]): string[] {
  if (!o) return [];
  const c = o.completer ?? "";
  try {
    if (!v.connected && v.connect(v.uri ?? defaultUri(v.world, v.ctx.env))) return [];
  } catch {
    return [];
  }
  const conn = v.conn;
  if (c.includes("DomainName") || (o.name === "domain" && !c)) return conn.domains.map((d) => domName(d.def));
  if (c.includes("StoragePoolName") || o.name === "pool") return conn.pools.map((p) => poolName(p.def));
  if (c.includes("StorageVolName") || o.name === "vol") {
    const pi = words.indexOf("--pool");
    const pool = pi >= 0 ? conn.pools.find((p) => poolName(p.def) === words[pi + 1]) : undefined;
    return (pool ? [pool] : conn.pools).flatMap((p) => p.volumes.map((x) => (pool ? x.name : x.path)));
  }
  if (c.includes("NetworkName") || o.name === "network") return conn.networks.map((n) => netName(n.def));
  if (c.includes("Snapshot")) {
    const d = conn.domains.find((x) => words.includes(domName(x.def)));
    return d ? d.snapshots.map((s) => s.name) : [];
  }
  if (c.includes("InterfaceName")) return conn.interfaces.map((i) => i.name);
  if (c.includes("NWFilter")) return conn.nwfilters.map((f) => f.name);
  if (o.name === "type" && words[0] === "pool-define-as") return ["dir", "fs", "netfs", "logical", "disk", "iscsi"];
  if (o.name === "format") return ["raw", "qcow2", "qed", "vmdk", "vdi", "vpc", "vhdx"];
  return [];
}

function fileNames(v: Virsh, partial: string): string[] {
  const dir = partial.includes("/") ? partial.slice(0, partial.lastIndexOf("/") + 1) : "";
  const base = resolvePath(v.cwd, dir || ".");
  try {
    return listDir(v.fs, base)
      .filter((n) => n.startsWith(partial.slice(dir.length)) && !n.startsWith("."))
      .map((n) => dir + n + (stat(v.fs, resolvePath(base, n))?.kind === "dir" ? "/" : ""));
  } catch {
    return [];
  }
}

/** Which option the next word fills: the one after `--opt`, or the next unfilled positional. */
function pendingOpt(def: CmdDef, words: string[]): { opt?: OptDef; afterFlag: boolean } {
  const last = words[words.length - 1];
  if (last?.startsWith("--")) {
    const o = def.opts.find((x) => x.name === last.slice(2));
    if (o && o.type !== "bool") return { opt: o, afterFlag: true };
  }
  const filled = new Set<string>();
  let positional = 0;
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!;
    if (w.startsWith("--")) {
      const o = def.opts.find((x) => x.name === w.slice(2));
      if (o) {
        filled.add(o.name);
        if (o.type !== "bool") i++;
      }
    } else positional++;
  }
  const positionals = def.opts.filter((o) => o.type !== "bool" && o.type !== "alias" && !o.flags?.includes("req_opt") && !filled.has(o.name));
  return { opt: positionals[positional] ?? positionals.find((o) => o.type === "argv"), afterFlag: false };
}

/** Candidates for the word under the cursor in virsh's interactive shell (`line` is the input so far). */
export function completeVirsh(v: Virsh, line: string): string[] {
  const { words, partial } = currentWords(line);
  return completeWords(v, words, partial, true);
}

/** Candidates for `partial` after `words` (the words following `virsh`; global options allowed unless interactive). */
export function completeWords(v: Virsh, wordsIn: string[], partial: string, interactive: boolean): string[] {
  let words = wordsIn;
  let i = 0;
  if (!interactive) {
    while (i < words.length && words[i]!.startsWith("-")) {
      if (["-c", "--connect", "-d", "-e", "-k", "-K", "-l"].includes(words[i]!)) {
        if (words[i] === "-c" || words[i] === "--connect") v.uri = words[i + 1];
        i++;
      }
      i++;
    }
    words = words.slice(i);
    if (!words.length && partial.startsWith("-")) return GLOBAL_OPTS.filter((g) => g.startsWith(partial));
  }
  if (!words.length) return visibleCommands().filter((c) => c.startsWith(partial)).sort();
  let def = findCommand(words[0]!);
  if (!def) return [];
  if (def.alias) def = findCommand(def.alias)!;
  if (def.name === "help") return [...visibleCommands(), "domain", "monitor", "host", "network", "pool", "volume", "snapshot"].filter((c) => c.startsWith(partial)).sort();
  const { opt, afterFlag } = pendingOpt(def, words);
  const used = new Set(words.filter((w) => w.startsWith("--")).map((w) => w.slice(2)));
  const options = def.opts.filter((o) => o.type !== "alias" && (!used.has(o.name) || o.type === "argv")).map((o) => `--${o.name}`);
  if (partial.startsWith("-") && !afterFlag) return options.filter((o) => o.startsWith(partial));
  let values = objectNames(v, opt, words);
  if (!values.length && opt && (opt.completer?.includes("Path") || opt.name === "file" || opt.name === "xml" || opt.name === "source")) values = fileNames(v, partial);
  const out = values.filter((x) => x.startsWith(partial));
  if (afterFlag) return [...new Set(out)].sort();
  return [...new Set([...out, ...(partial === "" ? [] : options.filter((o) => o.startsWith(partial)))])].sort();
}

export { parseCommands, argvSource, basename, dirname };
export type { TokenSource };
