// The lab shell's keys, driven through fake terminal streams (no TTY needed): Ctrl-C, Ctrl-D, Tab, console escapes.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { Chalk } from "chalk";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { newSession, openWorld } from "../app/shell";
import type { Terminal } from "../platform/terminal";
import { completions, repl } from "./repl";

const term: Terminal = { isTTY: true, columns: 100, rows: 30, chalk: new Chalk({ level: 0 }), out: () => undefined, err: () => undefined };

/** A REPL on a fixture with a scripted keyboard; `screen()` is everything written, escape codes removed. */
function harness(fixture = "kvm", paused = false) {
  const input = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => undefined });
  // a prompt that ran before (the home menu) leaves stdin paused
  if (paused) input.pause();
  const output = Object.assign(new PassThrough(), { isTTY: true, columns: 100, rows: 30 });
  let written = "";
  output.on("data", (d: Buffer) => (written += d.toString()));
  const session = newSession(openWorld(fixture).world, { tty: true });
  let status: number | undefined;
  const done = repl(session, term, "", {}, { input, output, error: output }).then((s) => (status = s));
  const tick = () => new Promise((r) => setImmediate(r));
  return {
    session,
    done,
    status: () => status,
    /** Type keys, then let the event loop run. */
    async type(keys: string) {
      input.write(keys);
      await tick();
      await tick();
    },
    // eslint-disable-next-line no-control-regex
    screen: () => written.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, ""),
    clear() {
      written = "";
    },
  };
}

let home: string;
let saved: string | undefined;
beforeEach(() => {
  saved = process.env.LPIC3_HOME;
  home = mkdtempSync(join(tmpdir(), "lpic3-repl-"));
  process.env.LPIC3_HOME = home;
});
afterEach(() => {
  if (saved === undefined) delete process.env.LPIC3_HOME;
  else process.env.LPIC3_HOME = saved;
});

describe("lab shell keys", () => {
  it("Ctrl-C drops the typed line and an unfinished here-document", async () => {
    const h = harness();
    await h.type("virsh list");
    await h.type("\x03");
    await h.type("cat <<EOF\rabc");
    await h.type("\x03");
    await h.type("echo after\r");
    expect(h.screen()).toContain("after\n");
    expect(h.screen()).not.toContain("command not found");
    expect(h.session.state.lastExit).toBe(0);
    await h.type("exit\r");
    await h.done;
  });

  it("Ctrl-D leaves an ssh login first, then the lab shell, as bash does", async () => {
    const h = harness();
    await h.type("ssh host2\r");
    expect(h.session.prompt()).toContain("@host2");
    await h.type("\x04");
    expect(h.screen()).toContain("logout\nConnection to host2 closed.\n");
    expect(h.session.prompt()).toContain("@host1");
    expect(h.status()).toBeUndefined();
    await h.type("\x04");
    await h.done;
    expect(h.status()).toBe(0);
  });

  it("Ctrl-D in virsh's interactive mode ends virsh only; virsh keeps its own history", async () => {
    const h = harness();
    await h.type("echo shell-line\r");
    await h.type("virsh\r");
    expect(h.session.program).toBeDefined();
    await h.type("list --all\r");
    await h.type("\x04");
    expect(h.session.program).toBeUndefined();
    expect(h.status()).toBeUndefined();
    // Up at the shell prompt recalls the shell's last line, not virsh's
    h.clear();
    await h.type("\x1b[A");
    expect(h.screen()).toContain("virsh");
    expect(h.screen()).not.toContain("list --all");
    await h.type("\x15exit\r");
    await h.done;
    const file = readFileSync(join(home, "shell_history"), "utf8");
    expect(file).toBe("echo shell-line\nvirsh\nexit\n");
  });

  it("Ctrl-] leaves xl console at once and the password is not echoed", async () => {
    const h = harness("xen");
    await h.type("xl console debian\r");
    await h.type("\r");
    await h.type("root\r");
    h.clear();
    await h.type("s3cret");
    expect(h.screen()).not.toContain("s3cret");
    await h.type("\r");
    await h.type("\x1d");
    expect(h.session.program).toBeUndefined();
    expect(h.screen()).toMatch(/root@xen1:~# $/);
    await h.type("exit\r");
    await h.done;
  });

  it("Ctrl-A x ends QEMU's -nographic console, Ctrl-A c reaches the monitor", async () => {
    const h = harness();
    await h.type("qemu-img create -f qcow2 /tmp/t.qcow2 1G\r");
    await h.type("qemu-system-x86_64 -m 512 -hda /tmp/t.qcow2 -nographic\r");
    expect(h.session.program).toBeDefined();
    await h.type("\x01c");
    expect(h.screen()).toContain("QEMU 7.2.22 monitor");
    expect(h.session.prompt()).toBe("(qemu) ");
    await h.type("\x01x");
    expect(h.screen()).toContain("QEMU: Terminated");
    expect(h.session.program).toBeUndefined();
    await h.type("exit\r");
    await h.done;
  });

  it("reads a terminal that an earlier prompt left paused", async () => {
    const h = harness("kvm", true);
    await h.type("echo hello\r");
    expect(h.screen()).toContain("hello\n");
    await h.type("exit\r");
    await h.done;
  });

  it("Tab completes a unique word with a trailing space, and lists several", () => {
    const s = newSession(openWorld("kvm").world, { tty: true });
    expect(completions(s, "virsh st")).toEqual([["start "], "st"]);
    expect(completions(s, "virsh list --a")).toEqual([["--all", "--autostart"], "--a"]);
    expect(completions(s, "cat /etc/libv")).toEqual([["/etc/libvirt/"], "/etc/libv"]);
  });
});
