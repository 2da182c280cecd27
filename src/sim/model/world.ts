// The simulated world: hosts with their filesystems and hypervisor state, as plain serialisable data.
import type { Fs } from "./fs";

export interface CpuInfo {
  vendor: "GenuineIntel" | "AuthenticAMD";
  modelName: string;
  /** Logical CPUs. */
  cpus: number;
  sockets: number;
  coresPerSocket: number;
  threadsPerCore: number;
  mhz: number;
  /** /proc/cpuinfo flags, e.g. vmx or svm for hardware virtualisation. */
  flags: string[];
}

export interface Host {
  /** Name used to reach the host (ssh host2, qemu+ssh://host2/system). */
  name: string;
  /** What `hostname` prints. */
  hostname: string;
  /** Memory in KiB. */
  memoryKiB: number;
  cpu: CpuInfo;
  fs: Fs;
  /** Loaded kernel modules (lsmod). */
  modules: string[];
  /**
   * Per-tool state, keyed by subsystem (libvirt, xen, qemu ...). Each tool's model module owns the
   * shape of its own entry; all of it stays plain data.
   */
  subsystems: Record<string, unknown>;
}

export interface World {
  hosts: Record<string, Host>;
  /** Simulated wall clock, epoch milliseconds. Advances by a fixed step per command. */
  clock: number;
  /** Counter behind every generated id (UUIDs, MACs, domain ids), so runs repeat exactly. */
  seq: number;
  /** The fixture this world was built from. */
  fixture: string;
  /** libvirt URI used when none is given and LIBVIRT_DEFAULT_URI is unset. */
  defaultUri: string;
}

/** Deterministic pseudo-random 32-bit value for counter `n` (splitmix32). */
export function mix32(n: number): number {
  let z = (n + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** A version-4-shaped UUID derived from the world's counter (advance `seq` after use). */
export function uuidFor(seq: number): string {
  const h = [0, 1, 2, 3].map((i) => mix32(seq * 4 + i).toString(16).padStart(8, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** A MAC address in libvirt's 52:54:00 range (Xen uses 00:16:3e) from the world's counter. */
export function macFor(seq: number, prefix = "52:54:00"): string {
  const v = mix32(seq);
  return `${prefix}:${[16, 8, 0].map((s) => ((v >>> s) & 0xff).toString(16).padStart(2, "0")).join(":")}`;
}
