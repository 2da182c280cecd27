// Loading a Xen Dom0 into a world from the `xen:` section of a host fixture: the files a Debian 12 Dom0
// has, Domain-0 itself, and guests created from the config files the fixture ships.
import { z } from "zod";
import { makeDir, stat, writeFile, type Fs } from "../fs";
import { newImage } from "../image";
import type { Host, World } from "../world";
import { readDomainConfig, DEFAULT_GLOBALS } from "./domain-config";
import { XEN_ETC_FILES } from "./etc-files";
import { hostDmesg } from "./dmesg";
import { createDomain, xlLog } from "./transitions";
import { MAXMEM_CONSTANT_KIB, SUBSYSTEM, type XenDomain, type XenState } from "./state";

export interface Problem {
  path: (string | number)[];
  message: string;
}

/** "4d3h", "3h25m7s", "90s" or a number of seconds. */
const Duration = z.union([
  z.number().nonnegative(),
  z.string().regex(/^(\d+d)?(\d+h)?(\d+m)?(\d+s)?$/, "a duration such as 4d3h or 3h25m7s"),
]);

function seconds(d: number | string): number {
  if (typeof d === "number") return d;
  const m = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(d)!;
  return Number(m[1] ?? 0) * 86400 + Number(m[2] ?? 0) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
}

/** "20G", "512M" → bytes. */
const Size = z.string().regex(/^\d+[KMGT]$/, "a size such as 20G");
const bytes = (s: string) => Number(s.slice(0, -1)) * 1024 ** ("KMGT".indexOf(s.slice(-1)) + 1);

const GuestFx = z.strictObject({
  /** The guest's config file (must be among `files` or the host's files). */
  config: z.string().regex(/^\//, "an absolute path"),
  domid: z.number().int().positive().optional(),
  state: z.enum(["running", "paused", "shutdown"]).default("running"),
  uptime: Duration.default("1h"),
  /** CPU seconds used so far. */
  cpu: z.number().nonnegative().optional(),
  /** HVM guest without PV drivers: xl shutdown needs -F. */
  pv_drivers: z.boolean().optional(),
  /** Listed in /etc/xen/auto (started by xendomains at boot). */
  auto: z.boolean().default(false),
  /** I/O counters so far, per disk (blkback requests and sectors) and per vif (bytes and packets). */
  io: z
    .strictObject({
      disks: z.array(z.strictObject({ rd: z.number().int().nonnegative(), wr: z.number().int().nonnegative(), rsect: z.number().int().nonnegative(), wsect: z.number().int().nonnegative() })).default([]),
      nics: z.array(z.strictObject({ rx_bytes: z.number().int().nonnegative(), rx_pkts: z.number().int().nonnegative(), tx_bytes: z.number().int().nonnegative(), tx_pkts: z.number().int().nonnegative() })).default([]),
    })
    .optional(),
});

export const XenFx = z.strictObject({
  dom0: z.strictObject({ memory: z.number().int().positive().default(2048), vcpus: z.number().int().positive().default(4), cpu: z.number().nonnegative().default(1200) }).default({ memory: 2048, vcpus: 4, cpu: 1200 }),
  commandline: z.string().default("placeholder dom0_mem=2048M,max:2048M no-real-mode edd=off"),
  scheduler: z.enum(["credit", "credit2"]).default("credit2"),
  /** How long the host has been up. */
  uptime: Duration.default("4d3h"),
  /** Memory Xen keeps for itself (heap, page tables), MiB: what free_memory never shows. */
  reserved_mib: z.number().int().nonnegative().default(30),
  bridges: z.array(z.string()).default(["xenbr0"]),
  /** Files the Xen setup adds (guest configs ...): absolute path → text. */
  files: z.record(z.string().regex(/^\//, "an absolute path"), z.string()).default({}),
  /** Block devices (LVM volumes ...): path → size. */
  devices: z.record(z.string().regex(/^\/dev\//, "a path under /dev"), Size).default({}),
  /** Disk image files (raw unless the name ends in .qcow2): path → virtual size. */
  images: z.record(z.string().regex(/^\//, "an absolute path"), Size).default({}),
  guests: z.array(GuestFx).default([]),
});
export type XenFx = z.infer<typeof XenFx>;

const KERNEL = "6.1.0-28-amd64";

function ensureDir(fs: Fs, p: string, mtime: number) {
  makeDir(fs, p, { parents: true, mtime });
}

function put(fs: Fs, path: string, text: string, mtime: number, mode?: number) {
  ensureDir(fs, path.slice(0, path.lastIndexOf("/")) || "/", mtime);
  writeFile(fs, path, text, { mtime, ...(mode !== undefined ? { mode } : {}) });
}

/** The files and directories of a Debian 12 Dom0 with xen-utils-4.17, xen-tools and a bridge. */
export function installDom0Files(host: Host, fx: XenFx, mtime: number) {
  const fs = host.fs;
  for (const [p, text] of Object.entries(XEN_ETC_FILES)) put(fs, p, text, mtime);
  for (const d of ["/etc/xen/auto", "/etc/xen/scripts", "/var/log/xen", "/var/lib/xen/save", "/var/lib/xen/dump", "/var/lib/xen/images", "/var/lib/xenstored", "/usr/lib/xen-4.17/bin", "/usr/lib/xen-4.17/boot", "/home/xen", "/etc/xen-tools/skel", "/etc/xen-tools/role.d", "/etc/xen-tools/hooks.d"]) ensureDir(fs, d, mtime);
  for (const s of ["block", "block-common.sh", "block-iscsi", "block-nbd", "vif-bridge", "vif-common.sh", "vif-nat", "vif-openvswitch", "vif-route", "xen-hotplug-common.sh", "xen-network-common.sh", "xen-script-common.sh", "hotplugpath.sh", "locking.sh", "logging.sh"]) {
    put(fs, `/etc/xen/scripts/${s}`, `#!/bin/bash\n# Xen hotplug script ${s} (xen-utils-common); its body is not reproduced in the simulator.\n`, mtime, 0o755);
  }
  put(fs, "/etc/xen/xl.conf", XEN_ETC_FILES["/etc/xen/xl.conf"]!, mtime);
  put(fs, `/boot/vmlinuz-${KERNEL}`, "", mtime);
  put(fs, `/boot/initrd.img-${KERNEL}`, "", mtime);
  put(fs, "/boot/xen-4.17-amd64.gz", "", mtime);
  put(fs, "/boot/xen-4.17-amd64.config", "CONFIG_X86_64=y\nCONFIG_PV=y\nCONFIG_HVM=y\nCONFIG_SCHED_CREDIT2=y\n", mtime);
  put(fs, "/proc/xen/capabilities", "control_d\n", mtime, 0o444);
  put(fs, "/sys/hypervisor/type", "xen\n", mtime, 0o444);
  put(fs, "/sys/hypervisor/version/major", "4\n", mtime, 0o444);
  put(fs, "/sys/hypervisor/version/minor", "17\n", mtime, 0o444);
  put(fs, "/sys/hypervisor/version/extra", ".7\n", mtime, 0o444);
  put(fs, "/sys/hypervisor/properties/capabilities", "xen-3.0-x86_64 hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64\n", mtime, 0o444);
  for (const dev of ["/dev/xen/evtchn", "/dev/xen/gntdev", "/dev/xen/gntalloc", "/dev/xen/privcmd", "/dev/xen/xenbus", "/dev/xen/hypercall"]) {
    put(fs, dev, "", mtime, 0o600);
    (fs[dev] as { device?: string }).device = "char";
  }
  put(fs, "/var/log/xen/xen-hotplug.log", "", mtime);
  if (!stat(fs, "/etc/apt/sources.list")) put(fs, "/etc/apt/sources.list", "deb http://deb.debian.org/debian bookworm main\ndeb http://deb.debian.org/debian-security bookworm-security main\ndeb http://deb.debian.org/debian bookworm-updates main\n", mtime);
  const bridgeStanzas = fx.bridges.map((b, i) => `\nauto ${b}\niface ${b} inet ${i === 0 ? "dhcp" : "manual"}\n\tbridge_ports ${i === 0 ? "eno1" : "none"}\n\tbridge_stp off\n\tbridge_fd 0\n`).join("");
  put(fs, "/etc/network/interfaces", `# This file describes the network interfaces available on your system\n# and how to activate them. For more information, see interfaces(5).\n\nsource /etc/network/interfaces.d/*\n\n# The loopback network interface\nauto lo\niface lo inet loopback\n\n# The physical interface is enslaved to the Xen bridge\niface eno1 inet manual\n${bridgeStanzas}`, mtime);
  put(fs, "/etc/default/grub.d/xen.cfg", `# Xen boot parameters for all Xen boots\nGRUB_CMDLINE_XEN="${fx.commandline.replace(/^placeholder\s*/, "")}"\n# Xen boot parameters for non-recovery Xen boots (in addition to GRUB_CMDLINE_XEN)\nGRUB_CMDLINE_XEN_DEFAULT=""\n`, mtime);
  for (const [p, size] of Object.entries(fx.devices)) {
    put(fs, p, "", mtime, 0o660);
    const n = fs[p] as { device?: string; image?: unknown; group: string };
    n.device = "block";
    n.group = "disk";
    n.image = { ...newImage("raw", bytes(size)), allocated: bytes(size) };
  }
  for (const [p, size] of Object.entries(fx.images)) {
    const fmt = p.endsWith(".qcow2") ? "qcow2" : "raw";
    ensureDir(fs, p.slice(0, p.lastIndexOf("/")) || "/", mtime);
    writeFile(fs, p, "", { mtime, image: newImage(fmt, bytes(size)) });
  }
}

function dom0(fx: XenFx, bootTime: number, now: number, nrCpus: number): XenDomain {
  const memKiB = fx.dom0.memory * 1024;
  const max = /dom0_mem=[^ ]*max:(\d+)([MG])/.exec(fx.commandline);
  const maxKiB = max ? Number(max[1]) * (max[2] === "G" ? 1048576 : 1024) : null;
  const run = (now - bootTime) / 1000;
  return {
    domid: 0,
    name: "Domain-0",
    uuid: "00000000-0000-0000-0000-000000000000",
    type: "pv",
    config: null,
    memKiB,
    staticMaxKiB: maxKiB ?? memKiB,
    hvMaxKiB: maxKiB,
    maxVcpus: fx.dom0.vcpus,
    onlineVcpus: fx.dom0.vcpus,
    hard: Array.from({ length: fx.dom0.vcpus }, () => null),
    soft: Array.from({ length: fx.dom0.vcpus }, () => null),
    pool: "Pool-0",
    weight: 256,
    cap: 0,
    paused: false,
    runSec: run,
    runAt: now,
    load: run > 0 ? fx.dom0.cpu / run : 0.01,
    bootCost: 0,
    startTime: bootTime,
    disks: [],
    nics: [],
    pvDrivers: true,
    monitored: false,
    tty: "/dev/hvc0",
    console: [],
    consoleSeen: 0,
    osName: "Debian GNU/Linux 12",
    ...(nrCpus ? {} : {}),
  };
}

/** Validate the `xen:` section and install the Xen host state and files into `host` (an immer draft). */
export function loadXenSection(section: unknown, host: Host, world: World): Problem[] {
  const r = XenFx.safeParse(section ?? {});
  if (!r.success) return r.error.issues.map((i) => ({ path: i.path.map((p) => (typeof p === "symbol" ? String(p) : p)) as (string | number)[], message: i.message }));
  const fx = r.data;
  const problems: Problem[] = [];
  const now = world.clock;
  const mtime = Math.floor(now / 1000);
  const bootTime = now - seconds(fx.uptime) * 1000;
  installDom0Files(host, fx, Math.floor(bootTime / 1000));
  for (const [p, text] of Object.entries(fx.files)) put(host.fs, p, text, mtime);
  const cpu = host.cpu;
  const nrCpus = cpu.cpus;
  const totalMiB = Math.floor(host.memoryKiB / 1024) - Math.ceil(host.memoryKiB / 1024 / 120);
  const x: XenState = {
    info: {
      release: KERNEL,
      version: "#1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1 (2024-11-22)",
      cpuMhz: cpu.mhz,
      hwCaps: "bfebfbff:77fafbff:2c100800:00000121:0000000f:009c6fbf:00000000:00000100",
      virtCaps: " pv hvm hvm_directio pv_directio hap shadow iommu_hap_pt_share gnttab-v1 gnttab-v2",
      xenCaps: "xen-3.0-x86_64 hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64 ",
      commandline: fx.commandline,
      ccCompiler: "x86_64-linux-gnu-gcc (Debian 12.2.0-14+deb12u1) 12.2.0",
      ccCompileBy: "pkg-xen-devel",
      ccCompileDomain: "lists.alioth.debian.org",
      ccCompileDate: "Tue Nov  4 16:52:00 UTC 2025",
      buildId: "3f1c2e8a9b7d6c5e4f3a2b1c0d9e8f7a6b5c4d3e",
      changeset: "",
    },
    bootTime,
    scheduler: fx.scheduler,
    totalMiB,
    xenOverheadMiB: fx.reserved_mib,
    domains: [],
    nextDomid: 1,
    cpupools: [{ id: 0, name: "Pool-0", sched: fx.scheduler, cpus: Array.from({ length: nrCpus }, (_, i) => i) }],
    credit: { tslice: 30, ratelimit: 1000, migrationDelay: 0 },
    credit2: { ratelimit: 1000 },
    dmesg: [],
    xsOps: [],
    bridges: [...fx.bridges],
    nextPty: 2,
    nrCpus,
    cores: cpu.coresPerSocket,
    threads: cpu.threadsPerCore,
    sockets: cpu.sockets,
  };
  x.domains.push(dom0(fx, bootTime, now, nrCpus));
  x.dmesg = hostDmesg(x, host.memoryKiB);
  host.subsystems[SUBSYSTEM] = x;
  const globals = { ...DEFAULT_GLOBALS, nrCpus };
  const ids = { seq: world.seq };
  fx.guests.forEach((g, gi) => {
    const where = ["guests", gi, "config"];
    const node = stat(host.fs, g.config);
    if (!node || node.kind !== "file") {
      problems.push({ path: where, message: `no such config file '${g.config}' (add it under xen.files)` });
      return;
    }
    const read = readDomainConfig(g.config, node.content, globals);
    if (!read.config) {
      problems.push({ path: where, message: `xl cannot read ${g.config}: ${read.messages.join("").trim()}` });
      return;
    }
    const up = seconds(g.uptime);
    const start = now - up * 1000;
    if (g.domid !== undefined) x.nextDomid = g.domid;
    const res = createDomain(host, read.config, { now: start, ids, paused: false, monitored: true });
    if (!res.ok) {
      problems.push({ path: where, message: `xl create ${g.config} fails: ${res.messages.join("").trim()}` });
      return;
    }
    const d = x.domains.find((e) => e.domid === res.domid)!;
    d.consoleSeen = d.console.length;
    if (g.pv_drivers !== undefined) d.pvDrivers = g.pv_drivers;
    const cpuSec = g.cpu ?? up * d.load + d.bootCost;
    d.bootCost = 0;
    d.runSec = up;
    d.runAt = now;
    d.load = up > 0 ? cpuSec / up : d.load;
    if (g.state === "paused") {
      d.paused = true;
      d.runAt = null;
    } else if (g.state === "shutdown") {
      d.shutdown = 0;
      d.runAt = null;
    }
    if (g.io) {
      const phy = d.disks.filter((k) => k.backend === "phy");
      g.io.disks.forEach((c, i) => {
        const k = phy[i];
        if (!k) return;
        const at = { rd: c.rd, wr: c.wr, rs: c.rsect, ws: c.wsect };
        k.io = { base: up, at, rate: Object.fromEntries(Object.entries(at).map(([key, v]) => [key, up > 0 ? v / up : 0])) };
      });
      g.io.nics.forEach((c, i) => {
        const n = d.nics[i];
        if (!n) return;
        const at = { rb: c.rx_bytes, rp: c.rx_pkts, tb: c.tx_bytes, tp: c.tx_pkts };
        n.io = { base: up, at, rate: Object.fromEntries(Object.entries(at).map(([key, v]) => [key, up > 0 ? v / up : 0])) };
      });
    } else {
      for (const k of d.disks) k.io = { ...k.io, base: 0 };
    }
    xlLog(host.fs, d.name, [`Waiting for domain ${d.name} (domid ${d.domid}) to die [pid ${2000 + d.domid * 37}]`], start);
    if (d.type === "hvm") put(host.fs, `/var/log/xen/qemu-dm-${d.name}.log`, `qemu-system-i386: -serial pty: char device redirected to /dev/pts/${Number(d.tty.replace(/\D/g, "")) + 1} (label serial0)\n`, Math.floor(start / 1000));
    if (g.auto) {
      const link = `/etc/xen/auto/${g.config.slice(g.config.lastIndexOf("/") + 1)}`;
      host.fs[link] = { kind: "symlink", target: g.config, mode: 0o777, owner: "root", group: "root", mtime };
    }
  });
  world.seq = ids.seq;
  x.nextDomid = Math.max(x.nextDomid, ...x.domains.map((d) => d.domid + 1));
  return problems;
}

export { MAXMEM_CONSTANT_KIB };
