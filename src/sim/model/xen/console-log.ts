// What a guest writes on its console: a Debian 12 boot on Xen (PV hvc0 or HVM ttyS0), the login
// prompt, and the shutdown and reboot messages. Plain text lines, deterministic per domain.
import type { DomainType } from "./domain-config";

export interface BootFacts {
  name: string;
  type: DomainType;
  memKiB: number;
  vcpus: number;
  cmdline?: string;
  disks: { vdev: string; sectors: number }[];
  nics: { mac: string }[];
  domid: number;
}

const KERNEL = "6.1.0-28-amd64";
const KVER = "6.1.119-1";

function stamp(t: number): string {
  return `[${t.toFixed(6).padStart(12)}]`;
}

/** The console a guest has produced by the time it reaches its login prompt. */
export function bootLog(f: BootFacts): string[] {
  const hvm = f.type === "hvm";
  const con = hvm ? "ttyS0" : "hvc0";
  const cmdline = f.cmdline ?? (hvm ? `BOOT_IMAGE=/boot/vmlinuz-${KERNEL} root=/dev/xvda1 ro console=ttyS0` : `root=/dev/xvda1 ro console=hvc0`);
  const memMiB = Math.floor(f.memKiB / 1024);
  let t = 0;
  const L: string[] = [];
  const k = (msg: string, dt = 0.0003) => {
    t += dt;
    L.push(`${stamp(t)} ${msg}`);
  };
  L.push(`${stamp(0)} Linux version ${KERNEL} (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC Debian ${KVER} (2024-11-22)`);
  k(`Command line: ${cmdline}`, 0);
  if (hvm) {
    k("BIOS-provided physical RAM map:");
    k(`DMI: Xen HVM domU, BIOS 4.17.7 11/04/2025`);
    k(`Hypervisor detected: Xen HVM`);
    k(`Xen version 4.17.`);
  } else if (f.type === "pvh") {
    k("BIOS-provided physical RAM map:");
    k(`BIOS-e820: [mem 0x0000000000000000-0x${(f.memKiB * 1024 - 1).toString(16).padStart(16, "0")}] usable`);
    k("Hypervisor detected: Xen HVM");
    k("Booting paravirtualized kernel on Xen PVH");
  } else {
    k("Released 0 page(s)");
    k("BIOS-provided physical RAM map:");
    k(`Xen: [mem 0x0000000000000000-0x${(f.memKiB * 1024 - 1).toString(16).padStart(16, "0")}] usable`);
    k("NX (Execute Disable) protection: active");
    k("Hypervisor detected: Xen PV");
  }
  k(`Memory: ${Math.floor(memMiB * 1024 * 0.93)}K/${memMiB * 1024}K available`, 0.012);
  k(`SMP: Allowing ${f.vcpus} CPUs, 0 hotplug CPUs`);
  k(`smp: Brought up 1 node, ${f.vcpus} CPU${f.vcpus === 1 ? "" : "s"}`, 0.05);
  k(hvm ? "xen: --> pirq=16 -> irq=8 (gsi=8)" : "xen:events: Using FIFO-based ABI");
  k("clocksource: xen: mask: 0xffffffffffffffff max_cycles: 0x1cd42e4dffb, max_idle_ns: 881590591483 ns", 0.04);
  k("Freeing unused kernel image (initmem) memory: 2988K", 0.3);
  k("Run /init as init process", 0.001);
  k("xen_blkfront: Xen virtual block device frontend driver", 0.08);
  for (const d of f.disks) k(`blkfront: ${d.vdev}: flush diskcache: enabled; persistent grants: enabled; indirect descriptors: enabled; bounce buffer: enabled`, 0.01);
  for (const d of f.disks) if (d.sectors > 0) k(`${d.vdev}: ${d.vdev}1 ${d.vdev}2 < ${d.vdev}5 >`, 0.002);
  k("xen_netfront: Initialising Xen virtual ethernet driver", 0.01);
  k("EXT4-fs (xvda1): mounted filesystem with ordered data mode. Quota mode: none.", 0.2);
  k(`systemd[1]: systemd 252.33-1~deb12u1 running in system mode (+PAM +AUDIT +SELINUX +APPARMOR +IMA +SMACK +SECCOMP +GCRYPT -GNUTLS +OPENSSL +ACL +BLKID +CURL +ELFUTILS +FIDO2 +IDN2 -IDN +IPTC +KMOD +LIBCRYPTSETUP +LIBFDISK +PCRE2 -PWQUALITY +P11KIT +QRENCODE +TPM2 +BZIP2 +LZ4 +XZ +ZLIB +ZSTD -BPF_FRAMEWORK -XKBCOMMON +UTMP +SYSVINIT default-hierarchy=unified)`, 0.3);
  k("systemd[1]: Detected virtualization xen.", 0.001);
  k("systemd[1]: Detected architecture x86-64.", 0.001);
  L.push("");
  L.push("Welcome to Debian GNU/Linux 12 (bookworm)!");
  L.push("");
  const ok = (s: string) => L.push(`[  OK  ] ${s}`);
  ok("Created slice system-getty.slice - Slice /system/getty.");
  ok(`Created slice system-serial\\x2dgetty.slice - Slice /system/serial-getty.`);
  ok("Reached target local-fs.target - Local File Systems.");
  ok("Started systemd-journald.service - Journal Service.");
  ok("Finished systemd-udev-trigger.service - Coldplug All udev Devices.");
  ok("Reached target network.target - Network.");
  ok("Started ssh.service - OpenBSD Secure Shell server.");
  ok(`Started serial-getty@${con}.service - Serial Getty on ${con}.`);
  ok("Reached target getty.target - Login Prompts.");
  ok("Reached target multi-user.target - Multi-User System.");
  L.push("");
  L.push(...loginBanner(f.name, con));
  return L;
}

/** The lines getty prints before the login prompt (the prompt itself is `loginPrompt`). */
export function loginBanner(name: string, con: string): string[] {
  return [`Debian GNU/Linux 12 ${name} ${con}`, ""];
}

export const loginPrompt = (name: string) => `${name} login: `;

/** What the guest prints while it powers off or reboots (systemd, then the kernel). */
export function shutdownLog(reboot: boolean): string[] {
  return [
    "[  OK  ] Stopped target multi-user.target - Multi-User System.",
    "         Stopping ssh.service - OpenBSD Secure Shell server...",
    "[  OK  ] Stopped ssh.service - OpenBSD Secure Shell server.",
    "[  OK  ] Reached target shutdown.target - System Shutdown.",
    "[  OK  ] Reached target final.target - Late Shutdown Services.",
    `[  OK  ] Finished systemd-${reboot ? "reboot" : "poweroff"}.service - System ${reboot ? "Reboot" : "Power Off"}.`,
    `[  OK  ] Reached target ${reboot ? "reboot" : "poweroff"}.target - System ${reboot ? "Reboot" : "Power Off"}.`,
    `[ 1234.567890] ${reboot ? "reboot: Restarting system" : "reboot: Power down"}`,
  ];
}
