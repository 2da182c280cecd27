// Disk specifications (xl-disk-configuration(5)): libxlu's flex scanner rules, longest match first,
// with xl's error texts; plus the guest device name (vdev) to device number mapping libxl uses.

export type DiskFormat = "raw" | "qcow" | "qcow2" | "vhd" | "qed" | "empty";
export type DiskBackend = "phy" | "tap" | "qdisk" | "standalone";

/** A libxl_device_disk as xl builds it from a spec (unset fields omitted). */
export interface DiskSpec {
  /** The backing file or device (`target`); "" for an empty CD drive. */
  pdevPath?: string;
  vdev?: string;
  format?: DiskFormat;
  backend?: DiskBackend;
  backendDomname?: string;
  script?: string;
  specification?: "xen" | "virtio";
  readwrite: boolean;
  isCdrom: boolean;
  removable: boolean;
  directIoSafe?: boolean;
  discard?: boolean;
  trusted?: boolean;
  colo?: boolean;
}

export interface DiskParse {
  disk: DiskSpec;
  /** Error lines (stderr), each ending in "\n". */
  messages: string[];
  ok: boolean;
}

interface Ctx {
  disk: DiskSpec;
  messages: string[];
  err: boolean;
  hadDeprPrefix: boolean;
  accessSet: boolean;
  source: string;
  spec: string;
}

function diskErr(c: Ctx, erroneous: string | null, message: string) {
  c.messages.push(`${c.source}: config parsing error in disk specification: ${message}${erroneous !== null ? `: near \`${erroneous}'` : ""} in \`${c.spec}'\n`);
  c.err = true;
}

function saveString(c: Ctx, what: string, key: "pdevPath" | "vdev" | "backendDomname" | "script" | "colo", value: string) {
  const cur = (c.disk as unknown as Record<string, unknown>)[key];
  if (typeof cur === "string" && cur !== "") {
    diskErr(c, value, `${what} respecified`);
    return;
  }
  (c.disk as unknown as Record<string, unknown>)[key] = value;
}

function dset<K extends "format" | "backend" | "specification">(c: Ctx, member: K, str: string, value: NonNullable<DiskSpec[K]>) {
  const cur = c.disk[member];
  if (cur !== undefined && cur !== value) diskErr(c, str, `${member} respecified`);
  else c.disk[member] = value;
}

function setAccess(c: Ctx, str: string) {
  if (str === "r" || str === "ro") c.disk.readwrite = false;
  else if (str === "rw" || str === "w" || str === "") c.disk.readwrite = true;
  else diskErr(c, str, "unknown value for access");
}

function setFormat(c: Ctx, str: string) {
  const map: Record<string, DiskFormat> = { "": "raw", raw: "raw", qcow: "qcow", qcow2: "qcow2", vhd: "vhd", empty: "empty", qed: "qed" };
  const f = map[str];
  if (f) dset(c, "format", str, f);
  else diskErr(c, str, "unknown value for format");
}

function setBackendType(c: Ctx, str: string) {
  if (str === "phy" || str === "tap" || str === "qdisk" || str === "standalone") dset(c, "backend", str, str);
  else diskErr(c, str, "unknown value for backendtype");
}

function setSpecification(c: Ctx, str: string) {
  if (str === "xen" || str === "virtio") dset(c, "specification", str, str);
  else diskErr(c, str, "unknown value for specification");
}

function vdevAndDevtype(c: Ctx, str: string): boolean {
  const colon = str.lastIndexOf(":");
  if (colon < 0) return false;
  saveString(c, "vdev", "vdev", str.slice(0, colon));
  const t = str.slice(colon + 1);
  if (t === "cdrom") c.disk.isCdrom = true;
  else if (t === "disk") c.disk.isCdrom = false;
  else diskErr(c, t, "unknown deprecated type");
  return true;
}

const stripComma = (s: string) => (s.endsWith(",") ? s.slice(0, -1) : s);
const fromEquals = (s: string) => s.slice(s.indexOf("=") + 1);

type Action = (c: Ctx, text: string) => "stop" | void;

interface Rule {
  re: RegExp;
  /** Length of trailing context counted for longest-match (flex's r/s patterns). */
  ctx?: RegExp;
  act: Action;
}

const kv = (key: string, act: (c: Ctx, value: string, text: string) => void): Rule => ({ re: new RegExp(`${key}=[^,]*,?`, "y"), act: (c, t) => act(c, fromEquals(stripComma(t)), t) });
const flag = (word: string, act: (c: Ctx) => void): Rule => ({ re: new RegExp(`${word},?`, "y"), act: (c) => act(c) });
const REST = /[^\n]*/y;

/** libxlu_disk_l.l's rules after the leading-whitespace rule, in order. */
const RULES: Rule[] = [
  kv("format", (c, v) => setFormat(c, v)),
  flag("cdrom", (c) => void (c.disk.isCdrom = true)),
  flag("devtype=cdrom", (c) => void (c.disk.isCdrom = true)),
  flag("devtype=disk", (c) => void (c.disk.isCdrom = false)),
  { re: /devtype=[^,]*,?/y, act: (c, t) => diskErr(c, t, "unknown value for type") },
  kv("access", (c, v) => setAccess(c, v)),
  kv("backend", (c, v) => saveString(c, "backend", "backendDomname", v)),
  kv("backendtype", (c, v) => setBackendType(c, v)),
  kv("specification", (c, v) => setSpecification(c, v)),
  kv("vdev", (c, v) => saveString(c, "vdev", "vdev", v)),
  kv("script", (c, v) => saveString(c, "script", "script", v)),
  flag("direct-io-safe", (c) => void (c.disk.directIoSafe = true)),
  flag("discard", (c) => void (c.disk.discard = true)),
  flag("no-discard", (c) => void (c.disk.discard = false)),
  flag("colo", (c) => void (c.disk.colo = true)),
  flag("no-colo", (c) => void (c.disk.colo = false)),
  kv("colo-host", () => undefined),
  kv("colo-port", (c, v) => {
    if (!parseInt(v, 10)) diskErr(c, v, "unknown value for colo_port");
  }),
  kv("colo-export", () => undefined),
  kv("active-disk", () => undefined),
  kv("hidden-disk", () => undefined),
  flag("trusted", (c) => void (c.disk.trusted = true)),
  flag("untrusted", (c) => void (c.disk.trusted = false)),
  { re: /target=[^\n]*/y, act: (c, t) => saveString(c, "target", "pdevPath", fromEquals(stripComma(t))) },
  { re: /[a-z][-a-z0-9]*=[^,],?/y, act: (c, t) => diskErr(c, t, "unknown parameter") },
  {
    re: /(?:raw|qcow2?|vhd):/y,
    ctx: REST,
    act: (c, t) => {
      c.hadDeprPrefix = true;
      setFormat(c, t.slice(0, -1));
    },
  },
  {
    re: /(?:iscsi|e?nbd|drbd):/y,
    ctx: REST,
    act: (c, t) => {
      c.hadDeprPrefix = true;
      const cur = c.disk.script;
      const next = `block-${t.slice(0, -1)}`;
      if (cur) diskErr(c, next, "script respecified");
      else c.disk.script = next;
    },
  },
  ...["tapdisk:", "tap2?:", "aio:", "ioemu:", "file:", "phy:"].map((p): Rule => ({ re: new RegExp(p, "y"), ctx: REST, act: (c) => void (c.hadDeprPrefix = true) })),
  {
    re: /[a-z][a-z0-9]*:/y,
    ctx: /(?:[^a-z0-9\n][^\n]*)?/y,
    act: (c, t) => {
      diskErr(c, t, "unknown deprecated disk prefix");
      return "stop";
    },
  },
];

function positional(c: Ctx, text: string): "stop" | void {
  const t = stripComma(text);
  if (c.err) return;
  if (c.disk.pdevPath === undefined) saveString(c, "target", "pdevPath", t);
  else if (!c.hadDeprPrefix && c.disk.format === undefined) {
    if (c.disk.pdevPath === "" && vdevAndDevtype(c, t)) c.disk.format = "empty";
    else setFormat(c, t);
  } else if (c.disk.vdev === undefined) {
    if (!vdevAndDevtype(c, t)) saveString(c, "vdev", "vdev", t);
  } else if (!c.accessSet) {
    c.accessSet = true;
    setAccess(c, t);
  } else {
    diskErr(c, t, "too many positional parameters");
    return "stop";
  }
}

function lexSpec(c: Ctx, spec: string) {
  let p = 0;
  while (p < spec.length) {
    const ch = spec[p]!;
    if (ch === " " || ch === "\t" || ch === "\n") {
      p++;
      continue;
    }
    let best: { len: number; consumed: string; act: Action } | null = null;
    for (const r of RULES) {
      r.re.lastIndex = p;
      const m = r.re.exec(spec);
      if (!m) continue;
      let len = m[0].length;
      if (r.ctx) {
        r.ctx.lastIndex = p + len;
        const t = r.ctx.exec(spec);
        len += t ? t[0].length : 0;
      }
      if (!best || len > best.len) best = { len, consumed: m[0], act: r.act };
    }
    // positional: [^=,]*,|[^=,]+,?
    const pm = /[^=,]*,|[^=,]+,?/y;
    pm.lastIndex = p;
    const pos = pm.exec(spec);
    if (pos && pos[0].length > 0 && (!best || pos[0].length > best.len)) best = { len: pos[0].length, consumed: pos[0], act: positional };
    if (!best) {
      // ". { BEGIN(LEXERR); yymore(); }  <LEXERR>.*" : the rest of the line is the erroneous text
      const nl = spec.indexOf("\n", p + 1);
      const rest = spec.slice(p, nl < 0 ? spec.length : nl);
      diskErr(c, rest, "bad disk syntax");
      return;
    }
    p += best.consumed.length;
    if (best.act(c, best.consumed) === "stop") return;
  }
}

/**
 * Parse one or more disk spec strings into one disk (xlu_disk_parse). `source` names the origin in
 * messages: the config file as given to xl, or "command line".
 */
export function parseDiskSpec(source: string, specs: string[]): DiskParse {
  const disk: DiskSpec = { readwrite: true, isCdrom: false, removable: false };
  const c: Ctx = { disk, messages: [], err: false, hadDeprPrefix: false, accessSet: false, source, spec: specs[0] ?? "" };
  for (const spec of specs) {
    c.spec = spec;
    lexSpec(c, spec);
    if (c.err) return { disk, messages: c.messages, ok: false };
  }
  if (disk.format === undefined) disk.format = "raw";
  if (disk.isCdrom) {
    disk.removable = true;
    disk.readwrite = false;
    if (!disk.pdevPath) disk.format = "empty";
  }
  if (disk.vdev === undefined) {
    diskErr(c, null, "no vdev specified");
    return { disk, messages: c.messages, ok: false };
  }
  if (disk.pdevPath === undefined && !disk.removable) {
    diskErr(c, null, "no target specified (and device not removable)");
    return { disk, messages: c.messages, ok: false };
  }
  return { disk, messages: c.messages, ok: true };
}

function virtdiskMatches(v: string, prefix: string, maxIndex: number, maxPart: number): { disk: number; part: number } | null {
  if (!v.startsWith(prefix)) return null;
  let p = prefix.length;
  let index = -1;
  while (p < v.length && v[p]! >= "a" && v[p]! <= "z") {
    index = (index + 1) * 26 + (v.charCodeAt(p) - 97);
    if (index > maxIndex) return null;
    p++;
  }
  if (p === v.length) return { disk: index, part: 0 };
  if (v[p] === "0") return null;
  const m = /^\d+$/.exec(v.slice(p));
  if (!m) return null;
  const part = Number(m[0]);
  if (part > maxPart) return null;
  return { disk: index, part };
}

/** libxl__device_disk_dev_number: xvda → 51712, hda → 768, sdb → 2064, d0p1 ...; -1 when invalid. */
export function vdevNumber(vdev: string): number {
  const d = /^d(\d+)p(\d+)$/.exec(vdev);
  let m: { disk: number; part: number } | null = null;
  if (d && Number(d[1]) < 1 << 20 && Number(d[2]) < 256) m = { disk: Number(d[1]), part: Number(d[2]) };
  else m = virtdiskMatches(vdev, "xvd", (1 << 20) - 1, 255);
  if (m) return m.disk <= 15 && m.part <= 15 ? (202 << 8) | (m.disk << 4) | m.part : (1 << 28) | (m.disk << 8) | m.part;
  if (/^(0x[0-9a-fA-F]+|0[0-7]*|[1-9]\d*)$/.test(vdev)) {
    const n = Number(vdev.startsWith("0x") ? parseInt(vdev, 16) : vdev.startsWith("0") && vdev !== "0" ? parseInt(vdev, 8) : vdev);
    if (n <= 0x7fffffff) return n;
  }
  const hd = virtdiskMatches(vdev, "hd", 3, 63);
  if (hd) return ((hd.disk < 2 ? 3 : 22) << 8) | ((hd.disk & 1) << 6) | hd.part;
  const sd = virtdiskMatches(vdev, "sd", 15, 15);
  if (sd) return (8 << 8) | (sd.disk << 4) | sd.part;
  return -1;
}

/** The vdev name for a device number of the xvd kind (libxl__devid_to_vdev), e.g. 51728 → xvdb. */
export function vdevName(devid: number): string {
  const encode = (n: number): string => (n >= 26 ? encode(Math.floor(n / 26) - 1) : "") + String.fromCharCode(97 + (n % 26));
  if (devid & (1 << 28)) {
    const minor = devid & ~(1 << 28);
    const disk = minor >> 8;
    const part = minor & 0xff;
    return `xvd${encode(disk)}${part ? part : ""}`;
  }
  const major = devid >> 8;
  const minor = devid & 0xff;
  if (major === 202) return `xvd${encode(minor >> 4)}${minor & 15 ? minor & 15 : ""}`;
  if (major === 3 || major === 22) return `hd${encode((major === 22 ? 2 : 0) + (minor >> 6))}${minor & 63 ? minor & 63 : ""}`;
  if (major === 8) return `sd${encode(minor >> 4)}${minor & 15 ? minor & 15 : ""}`;
  return String(devid);
}
