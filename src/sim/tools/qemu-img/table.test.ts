// The subcommand table drives dispatch, --help and completion: check it is complete and consistent.
import { describe, expect, it } from "vitest";
import { session, sh } from "../../../../test/helpers/sim";
import { SUBCOMMAND_NAMES, USAGE_LINES } from "./commands";
import { helpText } from "./help";
import { SUBCOMMANDS } from "./index";

describe("qemu-img subcommand table", () => {
  it("has a handler and a usage line for every subcommand, in qemu-img-cmds.hx order", () => {
    expect(SUBCOMMAND_NAMES).toEqual(["amend", "bench", "bitmap", "check", "commit", "compare", "convert", "create", "dd", "info", "map", "measure", "snapshot", "rebase", "resize"]);
    for (const s of SUBCOMMANDS) {
      expect(typeof s.run, s.name).toBe("function");
      expect(s.usage.startsWith(`${s.name} `), s.name).toBe(true);
    }
  });

  it("prints every usage line in --help", () => {
    const help = helpText();
    for (const u of USAGE_LINES) expect(help).toContain(`\n  ${u}\n`);
    expect(help.startsWith("qemu-img version 7.2.22")).toBe(true);
  });

  it("completes subcommands, options and formats", () => {
    const s = session();
    expect(s.complete("qemu-img co")).toEqual(["commit", "compare", "convert"]);
    expect(s.complete("qemu-img convert -O q")).toEqual(["qcow", "qcow2", "qed"]);
    expect(s.complete("qemu-img info --ba")).toEqual(["--backing-chain"]);
  });

  it("dispatches unknown and missing subcommands as qemu-img does", () => {
    const s = session();
    expect(sh(s, "qemu-img")).toEqual({ stdout: "", stderr: "qemu-img: Not enough arguments\nTry 'qemu-img --help' for more information\n", exit: 1 });
    expect(sh(s, "qemu-img frobnicate").stderr).toBe("qemu-img: Command not found: frobnicate\nTry 'qemu-img --help' for more information\n");
    expect(sh(s, "which qemu-img qemu-io").stdout).toBe("/usr/bin/qemu-img\n/usr/bin/qemu-io\n");
  });
});
