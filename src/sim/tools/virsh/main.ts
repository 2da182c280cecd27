// The simulated `virsh`: global options, command strings and argv, the per-command run loop, virsh's
// interactive shell, and completion from the command table and live objects.
import { getoptLong, type LongOption } from "../../shell/getopt";
import type { EditOutcome, EditRequest, InteractiveProgram, Step, Tool, ToolContext, ToolResult } from "../../shell/tool";
import type { World } from "../../model/world";
import { defaultUri } from "../../model/libvirt/connect";
import { lvErr } from "../../model/libvirt/types";
import { argvSource, Opts, parseCommands, stringSource, type ParsedCmd } from "./parse";
import { findCommand, findGroup, hasFlag } from "./table";
import { commandHelp, groupedHelp, groupHelp, usage } from "./help";
import { Virsh, type EditRequestSpec } from "./runtime";
import { HANDLERS } from "./handlers/index";
import { completeVirsh, completeWords } from "./completion";
import { noSupport, splitCommas } from "./common";
import { readonlyGate } from "./handlers/readonly";
import { probeTool } from "../../shell/syntax-check";

const LONGS: LongOption[] = [
  { name: "connect", arg: "required", key: "c" },
  { name: "debug", arg: "required", key: "d" },
  { name: "escape", arg: "required", key: "e" },
  { name: "help", arg: "none", key: "h" },
  { name: "keepalive-interval", arg: "required", key: "k" },
  { name: "keepalive-count", arg: "required", key: "K" },
  { name: "log", arg: "required", key: "l" },
  { name: "quiet", arg: "none", key: "q" },
  { name: "readonly", arg: "none", key: "r" },
  { name: "timing", arg: "none", key: "t" },
  { name: "version", arg: "optional", key: "v" },
];

const LONG_VERSION =
  "Virsh command line tool of libvirt 9.0.0\nSee web site at https://libvirt.org/\n\nCompiled with support for:\n Hypervisors: QEMU/KVM LXC LibXL OpenVZ VMware VirtualBox ESX Test\n Networking: Remote Network Bridging Interface udev Nwfilter\n Storage: Dir Disk Filesystem SCSI Multipath iSCSI iSCSI-direct LVM RBD Gluster ZFS\n Miscellaneous: Daemon Nodedev AppArmor SELinux Secrets Debug DTrace Readline\n";

const BANNER = "Welcome to virsh, the virtualization interactive terminal.\n\nType:  'help' for help with commands\n       'quit' to quit\n\n";

/** Run one command the way vshCommandRun does; returns its success. */
function runOne(v: Virsh, cmd: ParsedCmd, interactive: boolean): boolean {
  const def = cmd.def;
  const o = new Opts(cmd);
  let ok: boolean;
  if (!hasFlag(def, "noconnect") && !ensureConnected(v)) ok = false;
  else ok = dispatch(v, o, interactive);
  if (!ok) v.reportError();
  return ok;
}

function ensureConnected(v: Virsh): boolean {
  if (v.connected) return true;
  const e = v.connect(v.uri ?? defaultUri(v.world, v.ctx.env));
  if (e) {
    v.error("failed to connect to the hypervisor");
    v.lastError = e;
    return false;
  }
  return true;
}

function dispatch(v: Virsh, o: Opts, interactive: boolean): boolean {
  const name = o.name;
  switch (name) {
    case "help": {
      const c = o.strQuiet("command");
      if (c === undefined) {
        v.print(groupedHelp());
        return true;
      }
      const def = findCommand(c);
      if (def) {
        v.print(commandHelp(def.alias ? findCommand(def.alias)! : def));
        return true;
      }
      const g = findGroup(c);
      if (g) {
        v.print(groupHelp(g));
        return true;
      }
      v.error(`command or command group '${c}' doesn't exist`);
      return false;
    }
    case "quit":
    case "exit":
      return true;
    case "cd": {
      if (!interactive) {
        v.error("cd: command valid only in interactive mode");
        return false;
      }
      const dir = o.strQuiet("dir") ?? (v.ctx.env.HOME || "/");
      const target = v.absPath(dir);
      const node = v.world.hosts[v.ctx.host]!.fs[target];
      if (!node || node.kind !== "dir") {
        v.error(`cd: ${node ? "Not a directory" : "No such file or directory"}: ${dir}`);
        return false;
      }
      v.cwd = target;
      return true;
    }
    case "pwd":
      v.print(`${v.cwd}\n`);
      return true;
    case "echo":
      return echo(v, o);
    case "connect": {
      const uri = o.strQuiet("name") ?? v.uri ?? defaultUri(v.world, v.ctx.env);
      const e = v.connect(uri);
      if (e) {
        v.error("failed to connect to the hypervisor");
        v.lastError = e;
        return false;
      }
      if (o.has("readonly")) v.readonly = true;
      return true;
    }
  }
  if (v.readonly) {
    const denied = readonlyGate(v, o);
    if (denied !== undefined) return denied;
  }
  const h = HANDLERS[name];
  if (!h) return v.fail(noSupport(`vir${name.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase())}`));
  try {
    return h(v, o);
  } catch (e) {
    v.error(`internal error: ${(e as Error).message}`);
    return false;
  }
}

function echo(v: Virsh, o: Opts): boolean {
  const shell = o.has("shell");
  const xml = o.has("xml");
  const split = o.has("split");
  for (const [a, b] of [["shell", "xml"], ["shell", "split"], ["xml", "split"]] as const)
    if (o.has(a) && o.has(b)) {
      v.error(`Options --${a} and --${b} are mutually exclusive`);
      return false;
    }
  let buf = "";
  for (const a of o.argv("string")) {
    if (xml) buf += a.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/'/g, "&apos;").replace(/"/g, "&quot;");
    else if (shell) buf += a !== "" && !/[^A-Za-z0-9_@%+=:,./-]/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`;
    else if (split) for (const p of splitCommas(a)) buf += p + "\n";
    else buf += a;
    buf += " ";
  }
  buf = buf.replace(/ +$/, "");
  if (buf === "") return true;
  if (o.has("err")) v.error(buf);
  else v.print(buf);
  return true;
}

/** Run parsed commands in order (vshCommandRun); returns the status of the last. */
function runAll(v: Virsh, cmds: ParsedCmd[], interactive: boolean): { ok: boolean; quit: boolean; rest?: ParsedCmd[] } {
  let ok = true;
  for (const [i, c] of cmds.entries()) {
    const t0 = v.world.clock;
    ok = runOne(v, c, interactive);
    if (c.def.name === "quit" || c.def.name === "exit") return { ok, quit: true };
    // an *-edit command waits for the editor: the commands after it run once it is done (editStep)
    if (v.editRequest && !interactive) return { ok, quit: false, rest: cmds.slice(i + 1) };
    if (v.timing) v.print(`\n(Time: ${(0.1 + ((v.world.clock - t0) % 7) / 100).toFixed(3)} ms)\n\n`);
    else v.printExtra("\n");
  }
  return { ok, quit: false };
}

function result(v: Virsh, exit: number, extra: Partial<ToolResult> = {}): ToolResult {
  return { world: v.world, out: v.out, exit, ...extra };
}

class VirshShell implements InteractiveProgram {
  constructor(
    private v: Virsh,
    private quiet: boolean,
  ) {}

  prompt(): string {
    // VIRSH_PROMPT_RO / _RW: the prompt shows whether the connection is read-only
    return this.v.readonly ? "virsh > " : "virsh # ";
  }

  private step(world: World, fn: () => boolean | void): Step {
    const v = this.v;
    v.world = world;
    v.out = [];
    const done = fn() === true;
    return { world: v.world, out: v.out, ...(done ? { done: true, exit: 0 } : {}) };
  }

  start(world: World): Step {
    return this.step(world, () => {
      if (!this.quiet) this.v.print(BANNER);
    });
  }

  feed(line: string, world: World, tty: boolean): Step {
    return this.step(world, () => {
      const v = this.v;
      if (!tty) v.print(this.prompt() + line + "\n");
      if (line.trim() === "") return false;
      const p = parseCommands(stringSource(line));
      traceParsed(v, p.cmds);
      for (const e of p.errors) v.error(e);
      const r = runAll(v, p.cmds, true);
      if (r.quit) {
        v.print("\n");
        return true;
      }
      return false;
    });
  }

  eof(world: World, tty: boolean): Step {
    return this.step(world, () => {
      if (!tty) this.v.print(this.prompt());
      this.v.print("\n");
      return true;
    });
  }

  complete(line: string, world: World): string[] {
    this.v.world = world;
    return completeVirsh(this.v, line);
  }
}

export const virshTool: Tool = {
  name: "virsh",
  path: "/usr/bin/virsh",
  run(ctx: ToolContext, args: string[]): ToolResult {
    const v = new Virsh(ctx, ctx.world);
    // most command lines start with the command: skip getopt for them
    const g = args.length && !args[0]!.startsWith("-") ? { events: [], operands: args } : getoptLong(args, "+:c:d:e:hk:K:l:qrtvV", LONGS, "virsh");
    let connname: string | undefined;
    for (const ev of g.events) {
      if (ev.kind === "error") {
        if (ev.code === ":") {
          const l = LONGS.find((x) => `-${x.key}` === ev.option || `--${x.name}` === ev.option || ev.option.startsWith(`--${x.name}`));
          v.error(l ? `option '-${l.key}'/'--${l.name}' requires an argument` : `option '${ev.option}' requires an argument`);
        } else v.error(ev.option.startsWith("--") ? `unsupported option '${ev.option}'. See --help.` : `unsupported option '${ev.option}'. See --help.`);
        return result(v, 1);
      }
      switch (ev.key) {
        case "c":
          connname = ev.arg!;
          break;
        case "d":
          if (!/^[+-]?\d+$/.test(ev.arg ?? "")) {
            v.error(`option ${ev.spelled === "-d" ? "-d" : "--debug"} takes a numeric argument`);
            return result(v, 1);
          }
          if (Number(ev.arg) < 0 || Number(ev.arg) > 4) v.error(`ignoring debug level ${Number(ev.arg)} out of range [0-4]`);
          else v.debug = Number(ev.arg);
          break;
        case "e": {
          const a = ev.arg ?? "";
          if (!((a.length === 2 && a[0] === "^" && /[A-Za-z@\[\\\]^_]/.test(a[1]!)) || (a.length === 1 && a !== "^"))) {
            v.error(`Invalid string '${a}' for escape sequence`);
            return result(v, 1);
          }
          break;
        }
        case "h":
          v.print(usage());
          return result(v, 0);
        case "k":
        case "K": {
          const nm = ev.key === "k" ? (ev.spelled === "-k" ? "-k" : "--keepalive-interval") : ev.spelled === "-K" ? "-K" : "--keepalive-count";
          if (!/^[+-]?\d+$/.test(ev.arg ?? "")) {
            v.error(`Invalid value for option ${nm}`);
            return result(v, 1);
          }
          if (Number(ev.arg) < 0) {
            v.error(`option ${nm} requires a positive integer argument`);
            return result(v, 1);
          }
          v.keepaliveForced = true;
          if (ev.key === "k") v.keepaliveInterval = Number(ev.arg);
          break;
        }
        case "q":
          v.quiet = true;
          break;
        case "t":
          v.timing = true;
          break;
        case "r":
          v.readonly = true;
          break;
        case "v":
          if (ev.arg !== "long") {
            v.print("9.0.0\n");
            return result(v, 0);
          }
          v.print(LONG_VERSION);
          return result(v, 0);
        case "V":
          v.print(LONG_VERSION);
          return result(v, 0);
      }
    }
    const rest = g.operands;
    let parsed: ReturnType<typeof parseCommands> | undefined;
    if (rest.length === 1) {
      if (rest[0] === "") return result(v, 1);
      parsed = parseCommands(stringSource(rest[0]!));
    } else if (rest.length > 1) parsed = parseCommands(argvSource(rest));
    if (rest.length === 1) v.debugMsg(1, `commands: "${rest[0]}"\n`);
    if (parsed) traceParsed(v, parsed.cmds);
    if (parsed && parsed.errors.length) {
      for (const e of parsed.errors) v.error(e);
      return result(v, 1);
    }
    v.uri = connname;
    // a test-driver fixture stands for `virsh -c test:///NODE`: connect before running, as -c does
    if (connname === undefined && !ctx.env.LIBVIRT_DEFAULT_URI && ctx.world.defaultUri.startsWith("test:")) connname = ctx.world.defaultUri;
    if (connname !== undefined) {
      const e = v.connect(connname);
      if (e) {
        v.error("failed to connect to the hypervisor");
        v.error(e.message);
        return result(v, 1);
      }
    }
    if (!parsed) return result(v, 0, { interactive: new VirshShell(v, v.quiet) });
    const r = runAll(v, parsed.cmds, false);
    const edit = v.editRequest;
    if (edit) return result(v, r.ok ? 0 : 1, { edit: editStep(v, edit, r.rest ?? []) });
    return result(v, r.ok ? 0 : 1);
  },
  complete(ctx: ToolContext, args: string[], partial: string): string[] {
    return completeWords(new Virsh(ctx, ctx.world), args, partial, false);
  },
  /** Options and the command table's parse, up to the connection (the first look at the world). */
  check: (args) => probeTool(virshTool, args),
};

/** vshCommandParse's trace of every option it read (shown with -d 1 or lower). */
function traceParsed(v: Virsh, cmds: ParsedCmd[]) {
  if (v.debug > 1) return;
  for (const c of cmds)
    for (const o of c.opts) v.debugMsg(1, `${c.def.name}: ${o.def.name}(${o.def.type === "bool" ? "bool" : "optdata"}): ${o.def.type === "bool" ? "(none)" : (o.data ?? "")}\n`);
}

/** virBufferEscapeShell: quote a word for /bin/sh only when it holds a shell metacharacter. */
function shellWord(w: string): string {
  if (w === "") return "''";
  if (!/[\r\t\n !"#$&'()*;<>?[\\\]^`{|}~]/.test(w)) return w;
  return `'${w.replace(/'/g, "'\\''")}'`;
}

/**
 * vshEditFile's failure, as libvirt's virCommand reports it: the program not found before forking, exec()
 * failing in the child (which prints its own libvirt error and exits 127 or 126), a non-zero exit status or a
 * fatal signal, each naming the command as virCommandToString writes it.
 */
function editorFailure(v: Virsh, r: Exclude<EditOutcome, { kind: "edited" }>): void {
  if (r.kind === "no-editor") {
    v.lastError = lvErr("SYSTEM_ERROR", "Failed to open an editor: no $EDITOR or $VISUAL is set and neither vi nor nano could run");
    return;
  }
  if (r.kind === "not-found") {
    v.lastError = lvErr("SYSTEM_ERROR", `Cannot find '${r.argv[0]}' in path: No such file or directory`);
    return;
  }
  const cmd = r.argv.map(shellWord).join(" ");
  let how: string;
  if (r.kind === "exec-failed") {
    v.out.push({ fd: 2, text: `libvirt:  error : cannot execute binary ${r.argv[0]}: ${r.message}\n` });
    how = `exit status ${r.errno === "ENOENT" ? 127 : 126}`;
  } else if (r.kind === "exit") how = `exit status ${r.status}`;
  else how = `fatal signal ${r.signal}`;
  v.lastError = lvErr("INTERNAL_ERROR", `internal error: Child process (${cmd}) unexpected ${how}`);
}

/** Wrap a handler's edit request so the shell runs the editor and then virsh finishes the command. */
function editStep(v: Virsh, req: EditRequestSpec, rest: ParsedCmd[]): EditRequest {
  return {
    suffix: req.suffix,
    content: req.content,
    apply(edited: EditOutcome, world: World): Step {
      v.world = world;
      v.out = [];
      v.editRequest = req;
      let ok = false;
      if (edited.kind === "edited") ok = req.apply(edited.text);
      else {
        // vshEditFile reports the editor's failure itself, before the command's own cleanup message
        editorFailure(v, edited);
        v.reportError();
        req.editorFailed?.();
      }
      if (!ok) v.reportError();
      v.editRequest = undefined;
      // real virsh dies here (a NULL object after an invalid edit without a terminal to ask on): nothing more runs
      if (req.exit !== undefined) return { world: v.world, out: v.out, exit: req.exit };
      v.printExtra("\n");
      if (rest.length) {
        const r = runAll(v, rest, false);
        // a second edit in the same batch: no editor is offered for it in this step
        const next = v.editRequest;
        if (next) {
          const before = v.out;
          const st = editStep(v, next, r.rest ?? []).apply({ kind: "no-editor" }, v.world);
          return { ...st, out: [...before, ...st.out] };
        }
        ok = r.ok;
      }
      return { world: v.world, out: v.out, exit: ok ? 0 : 1 };
    },
  };
}

export { lvErr };
