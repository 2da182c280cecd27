// The virsh command table self-test (as `virsh self-test` checks its own), plus table-driven pieces.
import { describe, expect, it } from "vitest";
import { checkTable, findCommand, findGroup, GROUPS } from "./table";
import { HANDLERS } from "./handlers/index";
import { commandHelp } from "./help";
import { argvSource, parseCommands, stringSource } from "./parse";

describe("virsh command table", () => {
  it("passes the self-test", () => {
    expect(checkTable()).toEqual([]);
  });

  it("has the 15 help groups of virsh 9.0 and every command a learner needs", () => {
    expect(GROUPS.map((g) => g.keyword)).toEqual(["domain", "monitor", "events", "host", "checkpoint", "interface", "filter", "network", "nodedev", "secret", "snapshot", "backup", "pool", "volume", "virsh"]);
    for (const c of ["list", "dominfo", "start", "shutdown", "migrate", "snapshot-create-as", "pool-define-as", "vol-create-as", "net-dhcp-leases", "nwfilter-list", "setvcpus"]) expect(findCommand(c), c).toBeDefined();
    expect(findGroup("Storage Pool")?.keyword).toBe("pool");
  });

  it("has a handler only for real commands", () => {
    for (const name of Object.keys(HANDLERS)) expect(findCommand(name), name).toBeDefined();
  });

  it("renders help from the table", () => {
    expect(commandHelp(findCommand("domstate")!)).toBe(
      "  NAME\n    domstate - domain state\n\n  SYNOPSIS\n    domstate <domain> [--reason]\n\n  DESCRIPTION\n    Returns state about a domain.\n\n  OPTIONS\n    [--domain] <string>  domain name, id or uuid\n    --reason         also print reason for the state\n\n",
    );
  });
});

describe("virsh parser", () => {
  const errs = (s: string) => parseCommands(stringSource(s)).errors;
  it("fills positional options in table order", () => {
    const p = parseCommands(argvSource(["vol-create-as", "default", "x.img", "1G", "512M"]));
    expect(p.cmds[0]!.opts.map((o) => [o.def.name, o.data])).toEqual([
      ["pool", "default"],
      ["name", "x.img"],
      ["capacity", "1G"],
      ["allocation", "512M"],
    ]);
  });
  it("words virsh's usage errors", () => {
    expect(errs("lsit")).toEqual(["unknown command: 'lsit'"]);
    expect(errs("list --al")).toEqual(["command 'list' doesn't support option --al"]);
    expect(errs("setmem")).toEqual(["command 'setmem' requires <domain> option", "command 'setmem' requires --size option"]);
    expect(errs("dominfo a b")).toEqual(["unexpected data 'b'"]);
    expect(errs("dominfo --domain")).toEqual(["expected syntax: --domain <string>"]);
    expect(errs("setvcpus x --count")).toEqual(["expected syntax: --count <number>"]);
    expect(errs("list --all --all")).toEqual(["option --all already seen"]);
    expect(errs('echo "open')).toEqual(['missing "']);
    expect(errs("echo --hi=x")).toEqual(["invalid '=' after option --hi"]);
  });
  it("splits command strings on ; and newlines, and honours quotes and comments", () => {
    const p = parseCommands(stringSource("list --all; dominfo 'a b' # comment\necho \"x;y\""));
    expect(p.cmds.map((c) => c.def.name)).toEqual(["list", "dominfo", "echo"]);
    expect(p.cmds[1]!.opts[0]!.data).toBe("a b");
    expect(p.cmds[2]!.opts[0]!.data).toBe("x;y");
  });
  it("turns --help into help for the command", () => {
    const p = parseCommands(argvSource(["start", "--help"]));
    expect(p.cmds[0]!.def.name).toBe("help");
    expect(p.cmds[0]!.opts[0]!.data).toBe("start");
  });
});
