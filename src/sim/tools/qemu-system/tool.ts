// qemu-system-x86_64 (and Debian's /usr/bin/kvm link to it): starts a simulated VM process, hands the
// learner its monitor when it is on stdio, and with -nographic multiplexes serial console and monitor.
import type { World } from "../../model/world";
import type { Chunk, InteractiveProgram, Step, Tool, ToolContext, ToolResult } from "../../shell/tool";
import { addVm, Launcher, QemuExit } from "./launch";
import { endVm, QemuMonitor } from "./monitor";
import { probeChecked } from "../../shell/syntax-check";

export function runQemu(ctx: ToolContext, args: string[]): ToolResult {
  const l = new Launcher(ctx, args);
  try {
    l.firstPass();
    const cfg = l.secondPass();
    const { vm, fs, net } = l.start(cfg);
    const world = addVm(ctx.world, ctx.host, vm, fs, net);
    const chunks = l.out.filter((c) => !c.text.startsWith("QEMU 7.2.22 monitor"));
    if (vm.monitor === "stdio" && !cfg.nographic) return { world, out: chunks, exit: 0, interactive: new QemuMonitor(ctx.host, vm.pid) };
    if (cfg.nographic && !vm.daemonized) return { world, out: chunks, exit: 0, interactive: new MuxConsole(ctx.host, vm.pid, vm.monitor === "stdio" || vm.monitor === "mon:stdio") };
    return { world, out: chunks, exit: 0 };
  } catch (e) {
    if (e instanceof QemuExit) return { out: l.out, exit: e.status };
    throw e;
  }
}

const MUX_HELP = ["C-a h    print this help", "C-a x    exit emulator", "C-a s    save disk data back to file (if -snapshot)", "C-a t    toggle console timestamps", "C-a b    send break (magic sysrq)", "C-a c    switch between console and monitor", "C-a C-a  sends C-a"];

const MUX_KEYS = ["h", "x", "s", "t", "b", "c", "\x01"].map((k) => "\x01" + k);

/**
 * -nographic: the guest's serial console and the monitor share stdio. Ctrl-A c switches between them,
 * Ctrl-A x ends QEMU. The simulated guest prints nothing on its serial port.
 */
class MuxConsole implements InteractiveProgram {
  private focus: "serial" | "monitor" = "serial";
  private bannerShown = false;
  private readonly monitor: QemuMonitor;

  constructor(
    readonly host: string,
    readonly pid: number,
    readonly hasMonitor: boolean,
  ) {
    this.monitor = new QemuMonitor(host, pid);
  }

  prompt(): string {
    return this.focus === "monitor" ? "(qemu) " : "";
  }

  /** The mux escape: Ctrl-A and the next key act at once, in the serial console and in the monitor alike. */
  immediateKeys(): readonly string[] {
    return MUX_KEYS;
  }

  start(): Step {
    return { out: [] };
  }

  eof(): Step {
    return { out: [], done: true, exit: 0 };
  }

  feed(line: string, world: World, tty: boolean): Step {
    const out: Chunk[] = [];
    let w = world;
    let rest = line;
    while (rest.length) {
      const i = rest.indexOf("\x01");
      const before = i < 0 ? rest : rest.slice(0, i);
      if (before && this.focus === "monitor") {
        const s = this.monitor.feed(before, w, tty);
        out.push(...s.out);
        if (s.world) w = s.world;
        if (s.done) return { out, world: w, done: true, exit: 0 };
      }
      if (i < 0) break;
      const key = rest[i + 1];
      rest = rest.slice(i + 2);
      if (key === "x") {
        out.push({ fd: 1, text: "QEMU: Terminated\n\r" });
        return { out, world: endVm(w, this.host, this.pid), done: true, exit: 0 };
      }
      if (key === "h") out.push({ fd: 1, text: MUX_HELP.map((h) => `\n\r${h}`).join("") + "\n\r" });
      if (key === "c" && this.hasMonitor) {
        if (this.focus === "serial") {
          this.focus = "monitor";
          out.push({ fd: 1, text: this.bannerShown ? (tty ? "" : "(qemu) ") : `QEMU 7.2.22 monitor - type 'help' for more information\r\n${tty ? "" : "(qemu) "}` });
          this.bannerShown = true;
        } else {
          this.focus = "serial";
          out.push({ fd: 1, text: "\r\n" });
        }
      }
    }
    if (line === "" && this.focus === "monitor") {
      const s = this.monitor.feed("", w, tty);
      out.push(...s.out);
    }
    return { out, world: w };
  }
}

/** Debian 12 ships the emulator and a `kvm` symlink to it (qemu-system-x86); there is no qemu-kvm. */
export const QEMU_SYSTEM_TOOLS: Tool[] = probeChecked([
  { name: "qemu-system-x86_64", path: "/usr/bin/qemu-system-x86_64", run: runQemu },
  { name: "kvm", path: "/usr/bin/kvm", run: runQemu },
]);
