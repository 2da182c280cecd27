// xl console: xenconsole attached to a guest's console, as an interactive program. The guest's getty
// and a tiny root shell answer; Ctrl-] (0x1d) detaches, as does the guest powering off.
import { produce } from "immer";
import { loginBanner, loginPrompt, shutdownLog } from "../../model/xen/console-log";
import { domainById, isRunnable, xenOf, type XenDomain } from "../../model/xen/state";
import { SHUTDOWN_DELAY_MS } from "../../model/xen/transitions";
import type { World } from "../../model/world";
import { out, type Chunk, type InteractiveProgram, type Step } from "../../shell/tool";

type Phase = "fresh" | "login" | "password" | "shell" | "gone";

function motd(d: XenDomain): string {
  return [
    `Linux ${d.name} 6.1.0-28-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1 (2024-11-22) x86_64`,
    "",
    "The programs included with the Debian GNU/Linux system are free software;",
    "the exact distribution terms for each program are described in the",
    "individual files in /usr/share/doc/*/copyright.",
    "",
    "Debian GNU/Linux comes with ABSOLUTELY NO WARRANTY, to the extent",
    "permitted by applicable law.",
    "",
  ].join("\n");
}

/** The guest's answer to a command typed at its root shell. */
function guestShell(d: XenDomain, line: string): string {
  const [cmd, ...args] = line.trim().split(/\s+/);
  const con = d.type === "hvm" ? "ttyS0" : "hvc0";
  switch (cmd) {
    case "hostname":
      return `${d.name}\n`;
    case "whoami":
      return "root\n";
    case "uname":
      if (args.includes("-a")) return `Linux ${d.name} 6.1.0-28-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1 (2024-11-22) x86_64 GNU/Linux\n`;
      if (args.includes("-r")) return "6.1.0-28-amd64\n";
      return "Linux\n";
    case "nproc":
      return `${d.onlineVcpus}\n`;
    case "tty":
      return `/dev/${con}\n`;
    case "free": {
      const mib = Math.floor(d.memKiB / 1024);
      const used = Math.floor(mib * 0.18);
      return `               total        used        free      shared  buff/cache   available\nMem:    ${String(mib - 60).padStart(12)}${String(used).padStart(12)}${String(mib - 60 - used - 90).padStart(12)}${String(1).padStart(12)}${String(90).padStart(12)}${String(mib - 60 - used).padStart(12)}\nSwap:              0           0           0\n`;
    }
    case "lsblk": {
      let s = "NAME    MAJ:MIN RM  SIZE RO TYPE MOUNTPOINTS\n";
      for (const k of d.disks) {
        const gib = Math.max(1, Math.round((k.sectors * 512) / 2 ** 30));
        const major = k.vdev.startsWith("xvd") ? 202 : k.vdev.startsWith("sd") ? 8 : 3;
        s += `${k.vdev.padEnd(7)} ${String(major).padStart(3)}:${String(k.devid & 0xff).padEnd(3)}  ${k.cdrom ? 1 : 0} ${`${gib}G`.padStart(4)}  ${k.readwrite ? 0 : 1} ${k.cdrom ? "rom " : "disk"} ${k.vdev === "xvda" || k.vdev === "hda" ? "" : ""}\n`;
      }
      return s;
    }
    case "ip":
      return d.nics
        .map((n, i) => `${i + 2}: eth${i}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu ${n.mtu} qdisc mq state UP group default qlen 1000\n    link/ether ${n.mac} brd ff:ff:ff:ff:ff:ff\n`)
        .join("")
        .replace(/^/, "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000\n    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n    inet 127.0.0.1/8 scope host lo\n");
    case "cat":
      if (args[0] === "/proc/xen/capabilities") return "";
      if (args[0] === "/sys/hypervisor/type") return "xen\n";
      return args.length ? `cat: ${args[0]}: No such file or directory\n` : "";
    case "ls":
    case "cd":
    case "true":
    case "sync":
    case "clear":
      return "";
    case "echo":
      return args.join(" ") + "\n";
    default:
      return `-bash: ${cmd}: command not found\n`;
  }
}

class XenConsole implements InteractiveProgram {
  private phase: Phase = "fresh";
  private user = "";

  constructor(
    private readonly host: string,
    private readonly domid: number,
  ) {}

  private dom(world: World): XenDomain | undefined {
    return domainById(xenOf(world.hosts[this.host])!, this.domid);
  }

  prompt(): string {
    switch (this.phase) {
      case "login":
        return loginPrompt(this.name);
      case "password":
        return "Password: ";
      case "shell":
        return `root@${this.name}:~# `;
      default:
        return "";
    }
  }

  private name = "";

  /** Ctrl-] detaches at once, as xl console's escape character does. */
  immediateKeys(): readonly string[] {
    return ["\x1d"];
  }

  start(world: World): Step {
    const d = this.dom(world);
    if (!d) return { out: [], done: true, exit: 1 };
    this.name = d.name;
    const unread = d.console.slice(d.consoleSeen);
    const next = produce(world, (w) => {
      const dd = domainById(xenOf(w.hosts[this.host])!, this.domid)!;
      dd.consoleSeen = dd.console.length;
    });
    if (unread.length) {
      this.phase = "login";
      return { world: next, out: [out(unread.join("\n") + "\n")] };
    }
    return { world: next, out: [] };
  }

  feed(line: string, world: World, tty: boolean): Step {
    const chunks: Chunk[] = [];
    const say = (s: string) => s && chunks.push(out(s));
    if (line.includes("\x1d") || line.trim() === "^]") {
      if (!tty) say(this.prompt());
      return { out: chunks, done: true, exit: 0 };
    }
    const d = this.dom(world);
    if (!d || this.phase === "gone") return { out: chunks, done: true, exit: 0 };
    if (!isRunnable(d)) {
      // a paused or shut down guest reads nothing; the keystrokes wait in the ring
      if (!tty) say(line + "\n");
      return { out: chunks };
    }
    const echo = this.phase === "password" ? "" : line;
    if (!tty) say(this.prompt() + echo + "\n");
    else if (this.phase === "password") say("\n");
    let w = world;
    switch (this.phase) {
      case "fresh":
        say(`\n${loginBanner(d.name, d.type === "hvm" ? "ttyS0" : "hvc0").join("\n")}\n`);
        this.phase = "login";
        break;
      case "login":
        if (line.trim() === "") break;
        this.user = line.trim();
        this.phase = "password";
        break;
      case "password":
        if (this.user === "root" && line !== "") {
          say(`${motd(d)}Last login: ${new Date(world.clock - 86400000).toUTCString().replace(/^(\w+), (\d+) (\w+) (\d+) (.*) GMT$/, "$1 $3 $2 $5 $4")} on ${d.type === "hvm" ? "ttyS0" : "hvc0"}\n`);
          this.phase = "shell";
        } else {
          say("\nLogin incorrect\n");
          this.phase = "login";
        }
        break;
      case "shell": {
        const cmd = line.trim();
        if (cmd === "exit" || cmd === "logout") {
          say(`logout\n\n${loginBanner(d.name, d.type === "hvm" ? "ttyS0" : "hvc0").join("\n")}\n`);
          this.phase = "login";
          break;
        }
        const halt = /^(poweroff|halt|init 0|shutdown( -h)?( now)?|systemctl poweroff)$/.test(cmd);
        const reboot = /^(reboot|init 6|shutdown -r( now)?|systemctl reboot)$/.test(cmd);
        if (halt || reboot) {
          say(shutdownLog(reboot).join("\n") + "\n");
          w = produce(world, (wd) => {
            const dd = domainById(xenOf(wd.hosts[this.host])!, this.domid)!;
            dd.pending = { kind: reboot ? "reboot" : "poweroff", at: world.clock + SHUTDOWN_DELAY_MS };
            dd.console = [...dd.console, ...shutdownLog(reboot)];
            dd.consoleSeen = dd.console.length;
          });
          this.phase = "gone";
          return { world: w, out: chunks, done: true, exit: 0 };
        }
        if (cmd !== "") say(guestShell(d, cmd));
        break;
      }
    }
    return { world: w, out: chunks };
  }

  eof(_world: World, tty: boolean): Step {
    // xenconsole keeps reading a closed stdin; the script's end detaches it
    const p = this.prompt();
    return { out: !tty && p ? [out(p + "\n")] : [], done: true, exit: 0 };
  }
}

/** The interactive program `xl console` / `xl create -c` hands the terminal to. */
export function consoleProgram(host: string, domid: number, _tty: boolean): InteractiveProgram {
  return new XenConsole(host, domid);
}
