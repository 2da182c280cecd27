// ps (procps-ng 4.0) and kill: the host's processes, including the QEMU processes started by hand, those
// libvirt runs for its domains, and guestmount's.
import { libvirtOf } from "../../model/libvirt/connect";
import { curVcpus, domName, maxMemKiB, maxVcpus } from "../../model/libvirt/domain-xml";
import { isActive } from "../../model/libvirt/domains";
import { qemuOf } from "../../model/qemu/vm";
import type { Host, World } from "../../model/world";
import { err, out, type Tool, type ToolContext, type ToolResult } from "../../shell/tool";
import { endVm } from "../qemu-system/monitor";

interface Proc {
  pid: number;
  ppid: number;
  user: string;
  tty: string;
  stat: string;
  /** Seconds of CPU time. */
  time: number;
  /** Start, epoch ms. */
  start: number;
  vsz: number;
  rss: number;
  comm: string;
  args: string;
  kernel?: boolean;
}

const SHELL_PID = 1234;

function processes(world: World, hostName: string, self: string): Proc[] {
  const h: Host = world.hosts[hostName]!;
  const boot = world.clock - 3600_000;
  const sys = (pid: number, comm: string, args: string, o: Partial<Proc> = {}): Proc => ({ pid, ppid: 1, user: "root", tty: "?", stat: "Ss", time: 0, start: boot, vsz: 16000, rss: 9000, comm, args, ...o });
  const ps: Proc[] = [
    sys(1, "systemd", "/sbin/init", { ppid: 0, vsz: 168000, rss: 13000 }),
    sys(2, "kthreadd", "[kthreadd]", { ppid: 0, stat: "S", vsz: 0, rss: 0, kernel: true }),
    sys(3, "rcu_gp", "[rcu_gp]", { ppid: 2, stat: "I<", vsz: 0, rss: 0, kernel: true }),
    sys(4, "rcu_par_gp", "[rcu_par_gp]", { ppid: 2, stat: "I<", vsz: 0, rss: 0, kernel: true }),
    sys(12, "ksoftirqd/0", "[ksoftirqd/0]", { ppid: 2, stat: "S", vsz: 0, rss: 0, kernel: true }),
    sys(245, "systemd-journal", "/lib/systemd/systemd-journald", { vsz: 48000, rss: 15000 }),
    sys(268, "systemd-udevd", "/lib/systemd/systemd-udevd", { vsz: 26000, rss: 7000 }),
    sys(512, "cron", "/usr/sbin/cron -f", { vsz: 6700, rss: 2700 }),
    sys(530, "sshd", "sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups", { vsz: 15400, rss: 9300 }),
  ];
  const lv = libvirtOf(h);
  if (lv) {
    ps.push(sys(610, "libvirtd", "/usr/sbin/libvirtd --timeout 120", { stat: "Ssl", vsz: 1490000, rss: 41000 }));
    ps.push(sys(612, "virtlogd", "/usr/sbin/virtlogd", { stat: "Ss", vsz: 81000, rss: 7000 }));
    const conn = lv.conns["qemu:///system"];
    let pid = 4100;
    for (const d of conn?.domains ?? []) {
      if (!isActive(d)) continue;
      const name = domName(d.def);
      const mib = Math.floor(maxMemKiB(d.def) / 1024);
      // libvirt 9.0 (qemuBuildSmpCommandLine): maxcpus only when it differs; a topology-less CPU puts every
      // possible vCPU in its own socket
      const smpArg = (def: typeof d.def) => `${curVcpus(def)}${maxVcpus(def) !== curVcpus(def) ? `,maxcpus=${maxVcpus(def)}` : ""},sockets=${maxVcpus(def)},dies=1,cores=1,threads=1`;
      ps.push({ pid: pid++, ppid: 1, user: "libvirt+", tty: "?", stat: d.state === "paused" ? "Sl" : "Sl", time: 12, start: d.startedAt ?? boot, vsz: mib * 1024 + 600000, rss: Math.floor(mib * 1024 * 0.4), comm: "qemu-system-x86", args: `/usr/bin/qemu-system-x86_64 -name guest=${name},debug-threads=on -S -object {"qom-type":"secret","id":"masterKey0","format":"raw","file":"/var/lib/libvirt/qemu/domain-${d.id}-${name}/master-key.aes"} -machine pc-q35-7.2,usb=off,vmport=off,dump-guest-core=off,memory-backend=pc.ram -accel kvm -cpu host,migratable=on -m ${mib} -object {"qom-type":"memory-backend-ram","id":"pc.ram","size":${mib * 1048576}} -overcommit mem-lock=off -smp ${smpArg(d.def)} -uuid ${d.uuid} -no-user-config -nodefaults -chardev socket,id=charmonitor,fd=31,server=on,wait=off -mon chardev=charmonitor,id=monitor,mode=control -rtc base=utc,driftfix=slew -global kvm-pit.lost_tick_policy=delay -no-hpet -no-shutdown -boot strict=on` });
    }
    for (const n of conn?.networks ?? []) {
      if (!n.active) continue;
      ps.push(sys(700, "dnsmasq", `/usr/sbin/dnsmasq --conf-file=/var/lib/libvirt/dnsmasq/default.conf --leasefile-ro --dhcp-script=/usr/lib/libvirt/libvirt_leaseshelper`, { user: "libvirt+", stat: "S", vsz: 10000, rss: 400 }));
      break;
    }
  }
  if (h.subsystems.xen) {
    ps.push(sys(480, "xenstored", "/usr/sbin/xenstored --pid-file /var/run/xen/xenstored.pid", { stat: "Ssl", vsz: 83000, rss: 5400 }));
    ps.push(sys(490, "xenconsoled", "/usr/sbin/xenconsoled --pid-file=/var/run/xen/xenconsoled.pid", { stat: "Ssl", vsz: 78000, rss: 2100 }));
  }
  for (const vm of qemuOf(h).vms) {
    ps.push({ pid: vm.pid, ppid: vm.daemonized ? 1 : SHELL_PID, user: vm.user, tty: vm.daemonized ? "?" : "pts/0", stat: vm.daemonized ? "Sl" : "Sl+", time: 0, start: vm.startedAt, vsz: vm.memMiB * 1024 + 480000, rss: 45000, comm: "qemu-system-x86", args: vm.argv.join(" ") });
  }
  const gm = (h.subsystems.guestfs as { mounts?: { pid: number; mountpoint: string; images: string[] }[] } | undefined)?.mounts ?? [];
  for (const m of gm) ps.push({ pid: m.pid, ppid: 1, user: "root", tty: "?", stat: "Ssl", time: 0, start: world.clock, vsz: 250000, rss: 12000, comm: "guestmount", args: `guestmount ${m.images.map((i) => `-a ${i}`).join(" ")} ${m.mountpoint}` });
  ps.push({ pid: SHELL_PID, ppid: 530, user: "root", tty: "pts/0", stat: "Ss", time: 0, start: world.clock - 600_000, vsz: 8200, rss: 4900, comm: "bash", args: "-bash" });
  ps.push({ pid: 9000 + (world.seq % 900), ppid: SHELL_PID, user: "root", tty: "pts/0", stat: "R+", time: 0, start: world.clock, vsz: 11100, rss: 4400, comm: "ps", args: self });
  return ps.sort((a, b) => a.pid - b.pid);
}

const hms = (s: number) => `${String(Math.floor(s / 3600)).padStart(2, "0")}:${String(Math.floor(s / 60) % 60).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
const mmss = (s: number) => `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
const hhmm = (ms: number) => {
  const d = new Date(ms);
  return `${String(d.getUTCHours()).padStart(2, "0")}:${String(d.getUTCMinutes()).padStart(2, "0")}`;
};

function ps(ctx: ToolContext, args: string[]): ToolResult {
  const all = processes(ctx.world, ctx.host, ["ps", ...args].join(" "));
  const joined = args.join(" ");
  const bsd = args.length > 0 && !args[0]!.startsWith("-");
  const letters = bsd ? args[0]! : "";
  let list = all;
  let format: "default" | "aux" | "ef" | "custom" = "default";
  let custom: string[] = [];
  let full = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (bsd && i === 0) continue;
    if (a === "-e" || a === "-A") list = all;
    else if (a === "-ef" || a === "-eF" || a === "-aef") {
      format = "ef";
      full = true;
    } else if (a === "-f") {
      format = "ef";
      full = true;
    } else if (a === "-p" || a === "--pid") {
      const pids = (args[++i] ?? "").split(",").map(Number);
      list = all.filter((p) => pids.includes(p.pid));
    } else if (a === "-C") {
      const names = (args[++i] ?? "").split(",");
      list = all.filter((p) => names.some((n) => n.slice(0, 15) === p.comm));
    } else if (a === "-o" || a === "-eo") {
      format = "custom";
      custom = (args[++i] ?? "").split(",");
    } else if (a === "-u" || a === "-U") {
      const u = args[++i] ?? "";
      list = all.filter((p) => p.user === u);
    } else if (!bsd && a.startsWith("-") && !/^-[efAaxl]+$/.test(a)) {
      return { exit: 1, out: [err(`error: unsupported SysV option\n\nUsage:\n ps [options]\n\n Try 'ps --help <simple|list|output|threads|misc|all>'\n  or 'ps --help <s|l|o|t|m|a>'\n for additional help text.\n\nFor more details see ps(1).\n`)] };
    }
  }
  if (bsd) {
    if (/u/.test(letters)) format = "aux";
    if (!/a|x/.test(letters)) list = all.filter((p) => p.tty === "pts/0");
  } else if (!/-e|-A|-p|-C|-u|-U|-ef|-aef/.test(joined) && format !== "custom") list = all.filter((p) => p.tty === "pts/0");
  if (format === "custom" && !/-e/.test(joined) && !/-p|-C/.test(joined)) list = all.filter((p) => p.tty === "pts/0");
  let s = "";
  if (format === "aux") {
    s += "USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND\n";
    for (const p of list) s += `${p.user.padEnd(8)} ${String(p.pid).padStart(7)} ${"0.0".padStart(4)} ${(p.rss / 33554432 * 100 * 1024 / 1024).toFixed(1).padStart(4)} ${String(p.vsz).padStart(6)} ${String(p.rss).padStart(5)} ${p.tty.padEnd(8)} ${p.stat.padEnd(4)} ${hhmm(p.start)}   ${mmss(p.time)} ${p.kernel ? p.args : p.args}\n`;
  } else if (format === "ef") {
    s += "UID          PID    PPID  C STIME TTY          TIME CMD\n";
    for (const p of list) s += `${p.user.padEnd(8)} ${String(p.pid).padStart(7)} ${String(p.ppid).padStart(7)}  0 ${hhmm(p.start)} ${p.tty.padEnd(8)} ${hms(p.time)} ${full ? p.args : p.comm}\n`;
  } else if (format === "custom") {
    const cols: Record<string, [string, number, (p: Proc) => string, boolean]> = {
      pid: ["PID", 7, (p) => String(p.pid), true],
      ppid: ["PPID", 7, (p) => String(p.ppid), true],
      user: ["USER", 8, (p) => p.user, false],
      comm: ["COMMAND", 15, (p) => p.comm, false],
      cmd: ["CMD", 0, (p) => p.args, false],
      args: ["COMMAND", 0, (p) => p.args, false],
      "%cpu": ["%CPU", 4, () => "0.0", true],
      "%mem": ["%MEM", 4, () => "0.1", true],
      stat: ["STAT", 4, (p) => p.stat, false],
      tty: ["TT", 8, (p) => p.tty, false],
      rss: ["RSS", 5, (p) => String(p.rss), true],
      vsz: ["VSZ", 6, (p) => String(p.vsz), true],
    };
    const use = custom.map((c) => c.replace(/=.*$/, "").toLowerCase());
    const bad = use.find((c) => !cols[c]);
    if (bad) return { exit: 1, out: [err(`error: unknown user-defined format specifier "${bad}"\n`)] };
    const row = (vals: string[]) => vals.map((v, i) => (i === use.length - 1 && cols[use[i]!]![1] === 0 ? v : cols[use[i]!]![3] ? v.padStart(cols[use[i]!]![1]) : v.padEnd(cols[use[i]!]![1]))).join(" ").replace(/\s+$/, "") + "\n";
    s += row(use.map((c) => cols[c]![0]));
    for (const p of list) s += row(use.map((c) => cols[c]![2](p)));
  } else {
    s += "    PID TTY          TIME CMD\n";
    for (const p of list) s += `${String(p.pid).padStart(7)} ${p.tty.padEnd(8)} ${hms(p.time)} ${p.comm}\n`;
  }
  return { exit: list.length ? 0 : 1, out: [out(s)] };
}

function kill(ctx: ToolContext, args: string[]): ToolResult {
  if (args[0] === "-l") return { exit: 0, out: [out(" 1) SIGHUP\t 2) SIGINT\t 3) SIGQUIT\t 4) SIGILL\t 5) SIGTRAP\n 6) SIGABRT\t 7) SIGBUS\t 8) SIGFPE\t 9) SIGKILL\t10) SIGUSR1\n11) SIGSEGV\t12) SIGUSR2\t13) SIGPIPE\t14) SIGALRM\t15) SIGTERM\n")] };
  const targets = args.filter((a) => !a.startsWith("-") || /^-\d+$/.test(a) === false ? !a.startsWith("-") : false);
  if (!targets.length) return { exit: 2, out: [err("kill: usage: kill [-s sigspec | -n signum | -sigspec] pid | jobspec ... or kill -l [sigspec]\n")] };
  let world = ctx.world;
  const chunks = [];
  let exit = 0;
  const procs = processes(world, ctx.host, "kill");
  for (const t of targets) {
    if (!/^\d+$/.test(t)) {
      chunks.push(err(`bash: kill: ${t}: arguments must be process or job IDs\n`));
      exit = 1;
      continue;
    }
    const pid = Number(t);
    const vm = qemuOf(world.hosts[ctx.host]!).vms.find((v) => v.pid === pid);
    if (vm) {
      world = endVm(world, ctx.host, pid);
      continue;
    }
    if (!procs.some((p) => p.pid === pid)) {
      chunks.push(err(`bash: kill: (${pid}) - No such process\n`));
      exit = 1;
    }
  }
  return { exit, out: chunks, world };
}

export const PROC_TOOLS: Tool[] = [
  { name: "ps", path: "/usr/bin/ps", run: ps },
  { name: "kill", path: "/usr/bin/kill", run: kill },
];
