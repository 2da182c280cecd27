// The static facts of qemu-system-x86_64 7.2 (Debian 12 build): option table, machine types, CPU models,
// device models, NIC models, help texts. Extracted from the real binary by scripts/extract-qemu-data.mjs.
import raw from "./qemu-data.json";

export interface HmpDef {
  name: string;
  argsType: string;
  params: string;
  help: string;
}

interface QemuData {
  version: string;
  help: string;
  machineHelp: string;
  cpuHelp: string;
  accelHelp: string;
  vgaHelp: string;
  deviceHelp: string;
  netdevHelp: string;
  chardevHelp: string;
  nicModelHelp: string;
  driveFormatHelp: string;
  optsHelp: Record<string, string>;
  deviceProps: Record<string, string>;
  options: { name: string; hasArg: boolean; x86: boolean }[];
  hmp: HmpDef[];
  hmpInfo: HmpDef[];
}

export const QEMU: QemuData = raw as QemuData;

/** Command-line options by name ("-h" is added by vl.c itself). */
export const OPTIONS = new Map<string, { hasArg: boolean; x86: boolean }>([["h", { hasArg: false, x86: true }], ...QEMU.options.map((o) => [o.name, { hasArg: o.hasArg, x86: o.x86 }] as const)]);

export interface MachineType {
  name: string;
  alias?: string;
  family: "pc" | "q35" | "microvm" | "isapc" | "none" | "x-remote";
}

/** Machine types and the alias each short name stands for (pc → pc-i440fx-7.2). */
export const MACHINES: MachineType[] = QEMU.machineHelp
  .split("\n")
  .slice(1)
  .filter(Boolean)
  .map((l) => {
    const name = l.split(/\s+/)[0]!;
    const alias = /\(alias of ([^)]+)\)/.exec(l)?.[1];
    const family = name.startsWith("pc-q35") || name === "q35" ? "q35" : name.startsWith("pc") ? "pc" : (name as MachineType["family"]);
    return { name, ...(alias ? { alias } : {}), family };
  });

export function findMachine(name: string): MachineType | undefined {
  const m = MACHINES.find((x) => x.name === name);
  if (m?.alias) return MACHINES.find((x) => x.name === m.alias);
  return m;
}

export const CPU_MODELS = new Set(QEMU.cpuHelp.split("\n").map((l) => /^x86 (\S+)/.exec(l)?.[1]).filter((x): x is string => !!x));

export interface DeviceModel {
  name: string;
  bus?: string;
  alias?: string;
}

export const DEVICES: DeviceModel[] = [...QEMU.deviceHelp.matchAll(/^name "([^"]+)"(?:, bus ([^,\n]+))?(?:, alias "([^"]+)")?/gm)].map((m) => ({ name: m[1]!, ...(m[2] ? { bus: m[2] } : {}), ...(m[3] ? { alias: m[3] } : {}) }));

export function findDevice(name: string): DeviceModel | undefined {
  return DEVICES.find((d) => d.name === name || d.alias === name);
}

/** Properties a device model accepts (for the few whose list was recorded); undefined: not known here. */
export function deviceProps(name: string): Set<string> | undefined {
  const text = QEMU.deviceProps[name];
  if (!text) return undefined;
  return new Set([...text.matchAll(/^ {2}([\w.-]+)=/gm)].map((m) => m[1]!));
}

export const NIC_MODELS = QEMU.nicModelHelp.split("\n").slice(1).filter(Boolean);

export const BLOCK_FORMATS = new Set(QEMU.driveFormatHelp.split("\n")[0]!.replace("Supported formats: ", "").split(" "));

export const VGA_TYPES = QEMU.vgaHelp.split("\n").filter(Boolean).map((l) => l.split(/\s+/)[0]!);

export const VERSION = "7.2.22";
export const PKGVERSION = "Debian 1:7.2+dfsg-7+deb12u18+b3";
