// virsh's help pages, rendered from the command table exactly as vshCmddefHelp / cmdHelp / virshUsage do.
import { GROUPS, hasFlag, type CmdDef, type CmdGroup } from "./table";

const line = (c: CmdDef) => `    ${c.name.padEnd(30)} ${c.help}\n`;
const visible = (c: CmdDef) => !hasFlag(c, "alias") && !c.alias && !hasFlag(c, "hidden");

/** `virsh --help`. */
export function usage(): string {
  let s =
    "\nvirsh [options]... [<command_string>]\nvirsh [options]... <command> [args...]\n\n  options:\n" +
    "    -c | --connect=URI      hypervisor connection URI\n" +
    "    -d | --debug=NUM        debug level [0-4]\n" +
    "    -e | --escape <char>    set escape sequence for console\n" +
    "    -h | --help             this help\n" +
    "    -k | --keepalive-interval=NUM\n" +
    "                            keepalive interval in seconds, 0 for disable\n" +
    "    -K | --keepalive-count=NUM\n" +
    "                            number of possible missed keepalive messages\n" +
    "    -l | --log=FILE         output logging to file\n" +
    "    -q | --quiet            quiet mode\n" +
    "    -r | --readonly         connect readonly\n" +
    "    -t | --timing           print timing information\n" +
    "    -v                      short version\n" +
    "    -V                      long version\n" +
    "         --version[=TYPE]   version, TYPE is short or long (default short)\n" +
    "  commands (non interactive mode):\n\n";
  for (const g of GROUPS) {
    s += ` ${g.name} (help keyword '${g.keyword}')\n`;
    for (const c of g.commands) if (visible(c)) s += line(c);
    s += "\n";
  }
  s += "\n  (specify help <group> for details about the commands in the group)\n";
  s += "\n  (specify help <command> for details about the command)\n\n";
  return s;
}

/** `virsh help` with no argument. */
export function groupedHelp(): string {
  let s = "Grouped commands:\n\n";
  for (const g of GROUPS) {
    s += ` ${g.name} (help keyword '${g.keyword}'):\n`;
    for (const c of g.commands) if (visible(c)) s += line(c);
    s += "\n";
  }
  return s;
}

/** `virsh help GROUP`. */
export function groupHelp(g: CmdGroup): string {
  let s = ` ${g.name} (help keyword '${g.keyword}'):\n`;
  for (const c of g.commands) if (visible(c)) s += line(c);
  return s;
}

/** `virsh help COMMAND`. */
export function commandHelp(c: CmdDef): string {
  let s = `  NAME\n    ${c.name} - ${c.help}\n\n  SYNOPSIS\n    ${c.name}`;
  let shortopt = false;
  for (const o of c.opts) {
    const req = hasFlag(o, "req");
    const reqOpt = hasFlag(o, "req_opt");
    let f: string;
    switch (o.type) {
      case "bool":
        f = `[--${o.name}]`;
        break;
      case "int":
        f = req ? `<${o.name}>` : `[--${o.name} <number>]`;
        if (!reqOpt) shortopt = true;
        break;
      case "string":
        f = `[--${o.name} <string>]`;
        if (!reqOpt) shortopt = true;
        break;
      case "data":
        f = req ? `<${o.name}>` : `[<${o.name}>]`;
        if (!reqOpt) shortopt = true;
        break;
      case "argv":
        f = shortopt ? (req ? `{[--${o.name}] <string>}...` : `[[--${o.name}] <string>]...`) : req ? `<${o.name}>...` : `[<${o.name}>]...`;
        break;
      default:
        continue;
    }
    s += " " + f;
  }
  s += "\n";
  if (c.desc) s += `\n  DESCRIPTION\n    ${c.desc}\n`;
  if (c.opts.length) {
    s += "\n  OPTIONS\n";
    for (const o of c.opts) {
      let b: string;
      switch (o.type) {
        case "bool":
          b = `--${o.name}`;
          break;
        case "int":
          b = hasFlag(o, "req") ? `[--${o.name}] <number>` : `--${o.name} <number>`;
          break;
        case "string":
          b = `--${o.name} <string>`;
          break;
        case "data":
          b = `[--${o.name}] <string>`;
          break;
        case "argv":
          b = shortopt ? `[--${o.name}] <string>` : `<${o.name}>`;
          break;
        default:
          continue;
      }
      s += `    ${b.padEnd(15)}  ${o.help ?? ""}\n`;
    }
  }
  return s + "\n";
}
