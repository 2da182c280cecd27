// A fresh Debian 12 host: the directories and system files every simulated host starts with.
import { makeDir, writeFile, type Fs } from "./fs";
import type { CpuInfo, Host } from "./world";

export interface HostParams {
  name: string;
  hostname: string;
  memoryKiB: number;
  cpu: CpuInfo;
  modules: string[];
  /** Epoch seconds used as the files' modification time. */
  mtime: number;
}

const DIRS = [
  "/bin", "/boot", "/dev", "/etc", "/etc/default", "/home", "/lib", "/media", "/mnt", "/opt", "/proc", "/root", "/run",
  "/sbin", "/srv", "/sys", "/sys/fs", "/sys/fs/cgroup", "/tmp", "/usr", "/usr/bin", "/usr/sbin", "/usr/lib", "/usr/share",
  "/var", "/var/lib", "/var/log", "/var/tmp", "/var/cache",
];

export function cpuinfoText(cpu: CpuInfo): string {
  const blocks: string[] = [];
  for (let i = 0; i < cpu.cpus; i++) {
    const core = Math.floor(i / cpu.threadsPerCore) % cpu.coresPerSocket;
    const socket = Math.floor(i / (cpu.coresPerSocket * cpu.threadsPerCore));
    blocks.push(
      [
        `processor\t: ${i}`,
        `vendor_id\t: ${cpu.vendor}`,
        `cpu family\t: ${cpu.vendor === "GenuineIntel" ? 6 : 25}`,
        `model\t\t: ${cpu.vendor === "GenuineIntel" ? 85 : 33}`,
        `model name\t: ${cpu.modelName}`,
        `stepping\t: 7`,
        `cpu MHz\t\t: ${cpu.mhz.toFixed(3)}`,
        `cache size\t: 16384 KB`,
        `physical id\t: ${socket}`,
        `siblings\t: ${cpu.coresPerSocket * cpu.threadsPerCore}`,
        `core id\t\t: ${core}`,
        `cpu cores\t: ${cpu.coresPerSocket}`,
        `apicid\t\t: ${i}`,
        `fpu\t\t: yes`,
        `fpu_exception\t: yes`,
        `cpuid level\t: 22`,
        `wp\t\t: yes`,
        `flags\t\t: ${cpu.flags.join(" ")}`,
        `bogomips\t: ${(cpu.mhz * 2).toFixed(2)}`,
        `clflush size\t: 64`,
        `cache_alignment\t: 64`,
        `address sizes\t: 46 bits physical, 48 bits virtual`,
        `power management:`,
        ``,
      ].join("\n"),
    );
  }
  return blocks.join("\n") + "\n";
}

export function meminfoText(kib: number): string {
  const free = Math.floor(kib * 0.62);
  return [`MemTotal:       ${String(kib).padStart(8)} kB`, `MemFree:        ${String(free).padStart(8)} kB`, `MemAvailable:   ${String(Math.floor(kib * 0.8)).padStart(8)} kB`, ""].join("\n");
}

export function baseHost(p: HostParams): Host {
  const fs: Fs = { "/": { kind: "dir", mode: 0o755, owner: "root", group: "root", mtime: p.mtime } };
  const t = { mtime: p.mtime };
  for (const d of DIRS) makeDir(fs, d, { ...t, parents: true, mode: d === "/tmp" ? 0o1777 : d === "/root" ? 0o700 : 0o755 });
  writeFile(fs, "/etc/hostname", p.hostname.split(".")[0] + "\n", t);
  writeFile(fs, "/etc/hosts", `127.0.0.1\tlocalhost\n127.0.1.1\t${p.hostname}\t${p.hostname.split(".")[0]}\n`, t);
  writeFile(
    fs,
    "/etc/os-release",
    'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\nHOME_URL="https://www.debian.org/"\nSUPPORT_URL="https://www.debian.org/support"\nBUG_REPORT_URL="https://bugs.debian.org/"\n',
    t,
  );
  writeFile(fs, "/etc/debian_version", "12.8\n", t);
  writeFile(fs, "/proc/cpuinfo", cpuinfoText(p.cpu), { ...t, mode: 0o444 });
  writeFile(fs, "/proc/meminfo", meminfoText(p.memoryKiB), { ...t, mode: 0o444 });
  writeFile(fs, "/proc/modules", p.modules.map((m) => `${m} 0 0 - Live 0x0000000000000000\n`).join(""), { ...t, mode: 0o444 });
  writeFile(fs, "/dev/null", "", { ...t, mode: 0o666 });
  (fs["/dev/null"] as { device?: string }).device = "char";
  if (p.modules.includes("kvm")) {
    writeFile(fs, "/dev/kvm", "", { ...t, mode: 0o660, group: "kvm" });
    (fs["/dev/kvm"] as { device?: string }).device = "char";
  }
  writeFile(fs, "/root/.bashrc", "# ~/.bashrc: executed by bash(1) for non-login shells.\nexport LS_OPTIONS='--color=auto'\n", t);
  return { name: p.name, hostname: p.hostname, memoryKiB: p.memoryKiB, cpu: p.cpu, fs, modules: [...p.modules], subsystems: {} };
}
