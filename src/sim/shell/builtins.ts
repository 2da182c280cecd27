// Shell builtins of the lab shell: the commands that change the shell itself (cd, export, exit, ssh ...).
import { resolvePath, stat } from "../model/fs";
import type { RunResult, Session } from "./session";
import { err, out } from "./tool";

export interface BuiltinContext {
  session: Session;
  stdin: string | null;
  tty: boolean;
  assigns: [string, string][];
}

export type Builtin = (ctx: BuiltinContext, args: string[]) => RunResult;

const ok = (text = ""): RunResult => ({ out: text ? [out(text)] : [], exit: 0 });
const fail = (text: string, exit = 1): RunResult => ({ out: [err(text)], exit });

const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const cd: Builtin = ({ session }, args) => {
  const s = session.state;
  const a = args.filter((x) => x !== "-L" && x !== "-P");
  if (a.length > 1) return fail("bash: cd: too many arguments\n");
  let target = a[0] ?? s.vars.HOME ?? "/";
  let print = false;
  if (target === "-") {
    if (!s.vars.OLDPWD) return fail("bash: cd: OLDPWD not set\n");
    target = s.vars.OLDPWD;
    print = true;
  }
  const path = resolvePath(s.cwd, target);
  const node = stat(session.host.fs, path);
  if (!node) return fail(`bash: cd: ${target}: No such file or directory\n`);
  if (node.kind !== "dir") return fail(`bash: cd: ${target}: Not a directory\n`);
  s.vars.OLDPWD = s.cwd;
  s.cwd = path;
  return ok(print ? path + "\n" : "");
};

const echo: Builtin = (_ctx, args) => {
  let newline = true;
  let escapes = false;
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (!/^-[neE]+$/.test(a)) break;
    for (const f of a.slice(1)) {
      if (f === "n") newline = false;
      else if (f === "e") escapes = true;
      else escapes = false;
    }
  }
  let text = args.slice(i).join(" ");
  if (escapes) {
    const cut = text.indexOf("\\c");
    if (cut >= 0) {
      text = text.slice(0, cut);
      newline = false;
    }
    text = unescapeC(text);
  }
  return ok(text + (newline ? "\n" : ""));
};

function unescapeC(s: string): string {
  return s.replace(/\\(0[0-7]{0,3}|x[0-9a-fA-F]{1,2}|.)/g, (_m, e: string) => {
    if (e[0] === "0") return String.fromCharCode(parseInt(e.slice(1) || "0", 8));
    if (e[0] === "x") return String.fromCharCode(parseInt(e.slice(1), 16));
    const map: Record<string, string> = { n: "\n", t: "\t", r: "\r", a: "\x07", b: "\b", e: "\x1b", f: "\f", v: "\v", "\\": "\\" };
    return map[e] ?? `\\${e}`;
  });
}

const printf: Builtin = (_ctx, args) => {
  if (args.length === 0) return fail("printf: usage: printf [-v var] format [arguments]\n", 2);
  const [fmt, ...rest] = args as [string, ...string[]];
  let outText = "";
  let k = 0;
  do {
    outText += unescapeC(fmt).replace(/%([-0-9.]*)([sdx%])/g, (_m, width: string, conv: string) => {
      if (conv === "%") return "%";
      const v = rest[k++] ?? "";
      const s = conv === "d" ? String(parseInt(v || "0", 10) || 0) : conv === "x" ? (parseInt(v || "0", 10) || 0).toString(16) : v;
      const w = parseInt(width, 10);
      if (!w) return s;
      return width.startsWith("-") ? s.padEnd(-w) : s.padStart(w);
    });
  } while (k > 0 && k < rest.length);
  return ok(outText);
};

const exportB: Builtin = ({ session }, args) => {
  const s = session.state;
  if (args.length === 0 || (args.length === 1 && args[0] === "-p")) {
    const lines = [...s.exported].sort().filter((k) => s.vars[k] !== undefined).map((k) => `declare -x ${k}="${s.vars[k]!.replace(/(["\\$`])/g, "\\$1")}"\n`);
    return ok(lines.join(""));
  }
  const errs: string[] = [];
  for (const a of args) {
    if (a === "-n" || a === "--") continue;
    const eq = a.indexOf("=");
    const name = eq >= 0 ? a.slice(0, eq) : a;
    if (!VAR_NAME.test(name)) {
      errs.push(`bash: export: \`${a}': not a valid identifier\n`);
      continue;
    }
    if (eq >= 0) s.vars[name] = a.slice(eq + 1);
    if (!s.exported.includes(name)) s.exported.push(name);
  }
  return errs.length ? { out: errs.map(err), exit: 1 } : ok();
};

const unset: Builtin = ({ session }, args) => {
  const s = session.state;
  for (const a of args) {
    if (a === "-v" || a === "-f") continue;
    delete s.vars[a];
    s.exported = s.exported.filter((k) => k !== a);
  }
  return ok();
};

const exit: Builtin = ({ session }, args) => {
  const code = args[0] !== undefined ? Number(args[0]) & 255 : session.state.lastExit;
  if (args[0] !== undefined && !/^-?\d+$/.test(args[0])) return fail(`bash: exit: ${args[0]}: numeric argument required\n`, 2);
  const prev = session.stack.pop();
  if (prev) {
    const host = session.state.host;
    session.state = prev;
    return { out: [out("logout\n"), err(`Connection to ${host} closed.\n`)], exit: code };
  }
  session.exited = true;
  return { out: [out("exit\n")], exit: code };
};

const history: Builtin = ({ session }, args) => {
  if (args[0] === "-c") {
    session.history = [];
    return ok();
  }
  const n = args[0] !== undefined ? Number(args[0]) : session.history.length;
  if (!Number.isInteger(n) || n < 0) return fail(`bash: history: ${args[0]}: numeric argument required\n`);
  const start = Math.max(0, session.history.length - n);
  return ok(
    session.history
      .slice(start)
      .map((h, i) => `${String(start + i + 1).padStart(5)}  ${h}\n`)
      .join(""),
  );
};

const clear: Builtin = () => ok("\x1b[H\x1b[2J\x1b[3J");

const sudo: Builtin = (ctx, args) => {
  const { session } = ctx;
  let i = 0;
  while (i < args.length && args[i]!.startsWith("-")) {
    const a = args[i]!;
    if (a === "-u" || a === "-g") i += 2;
    else if (a === "-i" || a === "-s") {
      if (i === args.length - 1) return ok(); // already a root shell
      i++;
    } else if (a === "--") {
      i++;
      break;
    } else if (a === "-E" || a === "-H" || a === "-n" || a === "-k") i++;
    else if (a === "-h" || a === "--help" || a === "-V") return ok("usage: sudo [-u user] command [arg ...]\n");
    else return fail(`sudo: invalid option -- '${a.replace(/^-+/, "")}'\nusage: sudo [-u user] command [arg ...]\n`);
  }
  if (i >= args.length) return fail("usage: sudo -h | -K | -k | -V\nusage: sudo -v [-ABkNnS] [-g group] [-h host] [-p prompt] [-u user]\nusage: sudo -l [-ABkNnS] [-g group] [-h host] [-p prompt] [-U user] [-u user] [command [arg ...]]\nusage: sudo [-ABbEHkNnPS] [-C num] [-D directory] [-g group] [-h host] [-p prompt] [-R directory] [-T timeout] [-u user] [VAR=value] [-i | -s] [command [arg ...]]\nusage: sudo -e [-ABkNnS] [-C num] [-D directory] [-g group] [-h host] [-p prompt] [-R directory] [-T timeout] [-u user] file ...\n");
  const assigns: [string, string][] = [...ctx.assigns];
  while (i < args.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(args[i]!)) {
    const a = args[i++]!;
    assigns.push([a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)]);
  }
  const user = session.state.user;
  session.state.user = "root";
  try {
    return session.dispatch(args.slice(i), assigns, ctx.stdin, !ctx.tty);
  } finally {
    session.state.user = user;
  }
};

const ssh: Builtin = (ctx, args) => {
  const { session } = ctx;
  // options come before the destination; everything after it is the remote command, options included
  const withArg = new Set(["-B", "-b", "-c", "-D", "-E", "-e", "-F", "-I", "-i", "-J", "-L", "-l", "-m", "-O", "-o", "-p", "-Q", "-R", "-S", "-W", "-w"]);
  let i = 0;
  while (i < args.length && args[i]!.startsWith("-")) i += withArg.has(args[i]!) ? 2 : 1;
  const rest = args.slice(i);
  const target = rest[0];
  if (!target) return fail("usage: ssh [-46AaCfGgKkMNnqsTtVvXxYy] [-B bind_interface] [-b bind_address]\n           [-c cipher_spec] [-D [bind_address:]port] [-E log_file]\n           [-e escape_char] [-F configfile] [-I pkcs11] [-i identity_file]\n           [-J destination] [-L address] [-l login_name] [-m mac_spec]\n           [-O ctl_cmd] [-o option] [-P tag] [-p port] [-Q query_option]\n           [-R address] [-S ctl_path] [-W host:port] [-w local_tun[:remote_tun]]\n           destination [command [argument ...]]\n", 255);
  const [userPart, hostPart] = target.includes("@") ? target.split("@", 2) as [string, string] : [session.state.user, target];
  const world = session.world;
  const hostName = Object.keys(world.hosts).find((h) => h === hostPart || world.hosts[h]!.hostname === hostPart || world.hosts[h]!.hostname.split(".")[0] === hostPart);
  if (!hostName) return fail(`ssh: Could not resolve hostname ${hostPart}: Name or service not known\n`, 255);
  const command = rest.slice(1);
  const remote = { host: hostName, user: userPart || "root", cwd: userPart === "root" || !userPart ? "/root" : `/home/${userPart}` };
  if (command.length) {
    const saved = session.state;
    session.state = { ...structuredClone(saved), ...remote, vars: { ...saved.vars, HOME: remote.cwd, HOSTNAME: world.hosts[hostName]!.hostname.split(".")[0]! } };
    try {
      return session.run(command.join(" "));
    } finally {
      session.state = { ...saved, lastExit: session.state.lastExit };
    }
  }
  session.stack.push(session.state);
  session.state = {
    ...structuredClone(session.state),
    ...remote,
    vars: { ...session.state.vars, HOME: remote.cwd, HOSTNAME: world.hosts[hostName]!.hostname.split(".")[0]!, OLDPWD: "" },
    lastExit: 0,
  };
  return ok();
};

const source: Builtin = ({ session, stdin }, args) => {
  if (!args[0]) return fail("bash: source: filename argument required\nsource: usage: source filename [arguments]\n", 2);
  const path = resolvePath(session.state.cwd, args[0]);
  if (!stat(session.host.fs, path)) return fail(`bash: ${args[0]}: No such file or directory\n`);
  return session.runScript(path, args.slice(1), stdin, true);
};

const bash: Builtin = ({ session, stdin }, args) => {
  const a = args.filter((x) => x !== "-e" && x !== "-x" && x !== "-l");
  if (a[0] === "-c") {
    if (a[1] === undefined) return fail("bash: -c: option requires an argument\n", 2);
    return session.run(a[1]);
  }
  if (!a[0]) {
    if (stdin !== null) return session.run(stdin);
    return ok(); // a nested interactive bash is the same shell for our purposes
  }
  const path = resolvePath(session.state.cwd, a[0]);
  if (!stat(session.host.fs, path)) return fail(`bash: ${a[0]}: No such file or directory\n`, 127);
  return session.runScript(path, a.slice(1), stdin);
};

const type: Builtin = ({ session }, args) => {
  const lines: string[] = [];
  let code = 0;
  for (const a of args) {
    if (BUILTINS[a]) lines.push(`${a} is a shell builtin\n`);
    else if (session.tools.get(a)) lines.push(`${a} is ${session.tools.get(a)!.path}\n`);
    else {
      code = 1;
      return { out: [...lines.map(out), err(`bash: type: ${a}: not found\n`)], exit: code };
    }
  }
  return ok(lines.join(""));
};

const help: Builtin = ({ session }) => {
  const tools = session.tools.names();
  const lines = [
    "lpic3 lab shell — a simulated Linux host. Nothing you type here runs on your real machine.",
    "",
    "Shell: cd, pwd, echo, printf, export, unset, history, clear, exit, sudo, ssh HOST, source, type,",
    "       pipes |, && and ||, ;, redirections > >> < 2> 2>&1, here-documents (cat > f.xml <<EOF), $VAR, $(cmd)",
    "Programs on this host:",
    ...wrapList(tools.filter((t) => !BUILTINS[t]), 76).map((l) => "  " + l),
    "",
    "Try: virsh list --all · virsh help · qemu-img --help · xl list · man is not installed; use COMMAND --help",
    "",
  ];
  return ok(lines.join("\n"));
};

function wrapList(items: string[], width: number): string[] {
  const lines: string[] = [];
  let cur = "";
  for (const it of items) {
    if (cur && cur.length + 1 + it.length > width) {
      lines.push(cur);
      cur = it;
    } else cur = cur ? `${cur} ${it}` : it;
  }
  if (cur) lines.push(cur);
  return lines;
}

export const BUILTINS: Record<string, Builtin> = {
  cd,
  pwd: ({ session }) => ok(session.state.cwd + "\n"),
  echo,
  printf,
  export: exportB,
  unset,
  exit,
  logout: exit,
  history,
  clear,
  sudo,
  ssh,
  source,
  ".": source,
  bash,
  sh: bash,
  true: () => ok(),
  false: () => ({ out: [], exit: 1 }),
  ":": () => ok(),
  type,
  help,
};
