// Network interface specifications (xl-network-configuration(5)): xl's parse_nic_config and libxlu's
// rate parser, with their messages.

/** A libxl_device_nic as xl builds it (unset fields omitted). */
export interface NicSpec {
  devid?: number;
  mtu?: number;
  model?: string;
  /** "00:16:3e:.." lower-case, or undefined for a generated one. */
  mac?: string;
  ip?: string;
  bridge?: string;
  /** vifname= */
  ifname?: string;
  script?: string;
  nictype?: "vif" | "vif_ioemu";
  rateBytesPerInterval?: number;
  rateIntervalUsecs?: number;
  gatewaydev?: string;
  backendDomname?: string;
  trusted?: boolean;
}

export interface NicTokenResult {
  /** stderr lines, each ending in "\n". */
  messages: string[];
  /** parse_nic_config's return: true when the token was bad (fatal for network-attach only). */
  bad: boolean;
  /** A fatal error that makes xl exit at once (bad rate, bad number). */
  exit?: number;
}

function parseUlongOrExit(str: string): number | null {
  const m = /^\s*[+-]?\d+/.exec(str);
  if (!m) return null;
  return Number(m[0]);
}

/** Parse rate= (xlu_vif_parse_rate); returns messages and the values, or an error. */
export function parseVifRate(source: string, rate: string): { bytes: number; usecs: number } | { messages: string[] } {
  const err = (msg: string) => ({ messages: [`${source}: config parsing error in vif: ${msg} in \`${rate}'\n`] });
  const at = rate.indexOf("@");
  const bytesPart = at >= 0 ? rate.slice(0, at) : rate;
  const intervalPart = at >= 0 ? rate.slice(at + 1) : undefined;
  if (bytesPart === "") return err("no rate specified");
  const errOn = (msg: string, what: string) => ({ messages: [`${source}: config parsing error in vif: ${msg} in \`${what}'\n`] });
  if (!/^[0-9]+[GMK]?[Bb]\/s$/.test(bytesPart)) return errOn("invalid rate", bytesPart);
  const num = /^[0-9]+/.exec(bytesPart)![0];
  let bps = Number(num);
  if (bps === 0 || bps > 0xffffffff) return errOn("rate overflow", bytesPart);
  const unit = bytesPart[num.length]!;
  if (unit === "G") bps *= 1e9;
  else if (unit === "M") bps *= 1e6;
  else if (unit === "K") bps *= 1e3;
  if (unit === "b" || bytesPart[num.length + 1] === "b") bps = Math.floor(bps / 8);
  let usecs = 50000;
  if (intervalPart !== undefined) {
    if (!/^[0-9]+[mu]?s?$/.test(intervalPart)) return errOn("invalid replenishment interval", intervalPart);
    const inum = /^[0-9]+/.exec(intervalPart)![0];
    let t = Number(inum);
    if (t === 0 || t > 0xffffffff) return errOn("replenishment interval overflow", intervalPart);
    const u = intervalPart[inum.length];
    if (u === "s" || u === undefined) t *= 1_000_000;
    else if (u === "m") t *= 1000;
    if (t > 0xffffffff) return errOn("replenishment interval overflow", intervalPart);
    usecs = t;
  }
  return { bytes: Math.floor((bps * usecs) / 1_000_000), usecs };
}

const STRING_KEYS: Record<string, keyof NicSpec> = { bridge: "bridge", gatewaydev: "gatewaydev", ip: "ip", script: "script", backend: "backendDomname", vifname: "ifname", model: "model" };

/** One comma-separated token of a vif spec applied to `nic` (parse_nic_config). */
export function applyNicToken(nic: NicSpec, token: string, source: string): NicTokenResult {
  const messages: string[] = [];
  const eq = token.indexOf("=");
  const key = eq >= 0 ? token.slice(0, eq) : null;
  const val = eq >= 0 ? token.slice(eq + 1) : "";
  if (key === "type") {
    if (val === "vif") nic.nictype = "vif";
    else if (val === "ioemu") nic.nictype = "vif_ioemu";
    else return { messages: ["Invalid parameter `type'.\n"], bad: true };
  } else if (key === "mac") {
    const bytes: string[] = [];
    let p = val;
    for (let i = 0; i < 6; i++) {
      const m = /^\s*[+-]?(?:0[xX])?[0-9a-fA-F]+/.exec(p);
      const v = m ? parseInt(m[0].trim().replace(/^[+]/, ""), 16) : NaN;
      if (!m || Number.isNaN(v) || v > 255 || v < 0) return { messages: ["Invalid parameter `mac'.\n"], bad: true };
      bytes.push(v.toString(16).padStart(2, "0"));
      p = p.slice(m[0].length + 1);
    }
    nic.mac = bytes.join(":");
  } else if (key === "netdev") {
    messages.push("the netdev parameter is deprecated, please use gatewaydev instead\n");
    nic.gatewaydev = val;
  } else if (key !== null && STRING_KEYS[key]) {
    (nic as Record<string, unknown>)[STRING_KEYS[key]] = val;
  } else if (key === "rate") {
    const r = parseVifRate(source, val);
    if ("messages" in r) return { messages: r.messages, bad: true, exit: 1 };
    nic.rateBytesPerInterval = r.bytes;
    nic.rateIntervalUsecs = r.usecs;
  } else if (key !== null && /^(forwarddev|colo_[a-z0-9_]+)$/.test(key)) {
    // COLO settings: accepted, not modelled
  } else if (key === "accel") {
    messages.push("the accel parameter for vifs is currently not supported\n");
  } else if (key === "devid" || key === "mtu") {
    const n = parseUlongOrExit(val);
    if (n === null) return { messages: [`xl: failed to convert "${val}" to number\n`], bad: true, exit: 1 };
    nic[key] = n;
  } else if (token === "trusted") nic.trusted = true;
  else if (token === "untrusted") nic.trusted = false;
  else return { messages: [`unrecognized argument \`${token}'\n`], bad: true };
  return { messages, bad: false };
}

/**
 * A vif= list item as parse_config_data reads it: split on ",", leading spaces skipped, every token
 * applied; bad tokens only warn (the guest is still created), bad rates and numbers end xl.
 */
export function parseVifSpec(spec: string, source: string, defaults: Partial<NicSpec>): { nic: NicSpec; messages: string[]; exit?: number } {
  const nic: NicSpec = { ...defaults };
  const messages: string[] = [];
  for (const raw of spec.split(",")) {
    if (raw === "") continue; // strtok skips empty fields
    const token = raw.replace(/^ +/, "");
    const r = applyNicToken(nic, token, source);
    messages.push(...r.messages);
    if (r.exit !== undefined) return { nic, messages, exit: r.exit };
  }
  return { nic, messages };
}
