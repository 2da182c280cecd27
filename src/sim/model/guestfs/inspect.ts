// libguestfs inspection: which filesystem holds an operating system's root, what the OS is, its hostname,
// where its other filesystems are mounted (from /etc/fstab) and its installed packages.
import { readFile, stat, type Fs } from "../fs";
import { canonical, filesystems, type FsRef, type GuestDisk } from "./disk";

export interface InspectedOs {
  root: string;
  distro: string;
  productName: string;
  major: number;
  minor: number;
  arch: string;
  hostname: string;
  packageFormat: string;
  packageManagement: string;
  osinfo: string;
  /** [mountpoint, device], "/" first. */
  mountpoints: [string, string][];
  /** Devices of the OS's filesystems (root first), swap included. */
  filesystems: string[];
  applications: { name: string; epoch?: number; version: string; release: string; arch: string; summary: string }[];
}

function read(files: Fs, path: string): string | undefined {
  try {
    const n = stat(files, path);
    return n?.kind === "file" ? readFile(files, path) : undefined;
  } catch {
    return undefined;
  }
}

function osRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of text.split("\n")) {
    const m = /^([A-Z_]+)=("?)(.*)\2$/.exec(l.trim());
    if (m) out[m[1]!] = m[3]!;
  }
  return out;
}

/** Resolve an /etc/fstab device spec (UUID=, LABEL=, /dev/mapper/..., /dev/sdX) to a filesystem. */
function resolveSpec(all: FsRef[], spec: string): FsRef | undefined {
  if (spec.startsWith("UUID=")) return all.find((f) => f.fs.uuid === spec.slice(5));
  if (spec.startsWith("LABEL=")) return all.find((f) => f.fs.label === spec.slice(6));
  const c = canonical(spec);
  return all.find((f) => f.device === c);
}

function debApps(status: string): InspectedOs["applications"] {
  const apps: InspectedOs["applications"] = [];
  for (const para of status.split(/\n\n+/)) {
    const f: Record<string, string> = {};
    for (const l of para.split("\n")) {
      const m = /^([A-Za-z-]+): (.*)$/.exec(l);
      if (m) f[m[1]!] = m[2]!;
    }
    if (!f.Package || !/installed$/.test(f.Status ?? "")) continue;
    const em = /^(\d+):/.exec(f.Version ?? "");
    const v = (f.Version ?? "").replace(/^\d+:/, "");
    const dash = v.lastIndexOf("-");
    apps.push({ name: f.Package, ...(em && Number(em[1]) ? { epoch: Number(em[1]) } : {}), version: dash >= 0 ? v.slice(0, dash) : v, release: dash >= 0 ? v.slice(dash + 1) : "", arch: f.Architecture ?? "", summary: f.Description ?? "" });
  }
  return apps.sort((a, b) => (a.name < b.name ? -1 : 1));
}

function archOf(files: Fs): string {
  for (const p of ["/bin/bash", "/bin/ls", "/usr/bin/bash", "/usr/bin/ls", "/bin/echo", "/bin/rm", "/bin/sh"]) {
    const c = read(files, p);
    if (c?.startsWith("\x7fELF\x02")) return "x86_64";
  }
  return "unknown";
}

/** The operating systems on a set of disks (what inspect-os finds), roots in device order. */
export function inspect(disks: GuestDisk[]): InspectedOs[] {
  const all = filesystems(disks);
  const out: InspectedOs[] = [];
  for (const ref of all) {
    const files = ref.fs.files;
    if (ref.fs.type === "swap" || stat(files, "/etc")?.kind !== "dir") continue;
    const osr = read(files, "/etc/os-release");
    const deb = read(files, "/etc/debian_version");
    const rh = read(files, "/etc/redhat-release");
    if (!osr && !deb && !rh) continue;
    const o = osRelease(osr ?? "");
    let distro = (o.ID ?? (deb ? "debian" : "redhat-based")).toLowerCase();
    let productName = o.PRETTY_NAME ?? rh?.trim() ?? "";
    let version = o.VERSION_ID ?? "";
    if (distro === "debian" && deb) {
      productName = deb.trim();
      version = deb.trim();
    }
    if (distro === "rhel") distro = "rhel";
    const [maj = "0", min = "0"] = version.split(".");
    const rpm = ["rocky", "rhel", "centos", "fedora", "almalinux", "ol"].includes(distro);
    const hostname = (read(files, "/etc/hostname") ?? "").split("\n")[0] ?? "";
    const mountpoints: [string, string][] = [];
    const fsDevices: string[] = [ref.device];
    for (const line of (read(files, "/etc/fstab") ?? "").split("\n")) {
      const w = line.trim().split(/\s+/);
      if (w.length < 3 || w[0]!.startsWith("#")) continue;
      const target = resolveSpec(all, w[0]!);
      if (!target) continue;
      if (w[2] === "swap") {
        if (!fsDevices.includes(target.device)) fsDevices.push(target.device);
        continue;
      }
      mountpoints.push([w[1]!, target.device]);
      if (!fsDevices.includes(target.device)) fsDevices.push(target.device);
    }
    if (!mountpoints.some(([m]) => m === "/")) mountpoints.unshift(["/", ref.device]);
    mountpoints.sort((a, b) => a[0].length - b[0].length || (a[0] < b[0] ? -1 : 1));
    out.push({
      root: ref.device,
      distro,
      productName,
      major: Number(maj) || 0,
      minor: Number(min) || 0,
      arch: archOf(files),
      hostname,
      packageFormat: rpm ? "rpm" : distro === "debian" || distro === "ubuntu" ? "deb" : "unknown",
      packageManagement: rpm ? (Number(maj) >= 8 || distro === "fedora" ? "dnf" : "yum") : distro === "debian" || distro === "ubuntu" ? "apt" : "unknown",
      osinfo: distro === "debian" ? `debian${maj}` : rpm ? `${distro}${maj}${distro === "fedora" ? "" : ""}` : distro,
      mountpoints,
      filesystems: fsDevices,
      applications: distro === "debian" || distro === "ubuntu" ? debApps(read(files, "/var/lib/dpkg/status") ?? "") : [],
    });
  }
  return out;
}
