// virsh's smaller monitoring and device commands: link state and bandwidth of NICs, disk errors, guest
// file systems and host name, graphical displays and consoles. Outputs follow virsh's formats; values come
// from the domain definition, or are the test driver's fixed answers.
import * as D from "../../../model/libvirt/domains";
import { disksOf } from "../../../model/libvirt/domain-xml";
import { lvErr, type Domain } from "../../../model/libvirt/types";
import { child, childText, el, formatXml, kids, parseXml, stripWs, syntaxErrorText, type XmlEl } from "../../../model/libvirt/xml";
import { affectFlags, noSupport, optDomain, optNum, unsupportedFlags, type Handler } from "../common";
import { table } from "../format";
import type { Opts } from "../parse";
import type { Virsh } from "../runtime";

const isTest = (v: Virsh) => v.conn.driver === "test";
const devices = (def: XmlEl) => child(def, "devices");
const param = (name: string, value: string | number) => `${name.padEnd(15)}: ${value}\n`;

/** virDomainNetFind: a NIC by MAC address, else by its target device name. */
function findNet(def: XmlEl, key: string): XmlEl | undefined {
  const nics = kids(devices(def), "interface");
  const mac = /^[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2}){5}$/.test(key) ? key.toLowerCase() : undefined;
  return mac ? nics.find((n) => child(n, "mac")?.attrs.address === mac) : nics.find((n) => child(n, "target")?.attrs.dev === key);
}

/** virsh looks NICs up in the XML itself: by MAC or by target device. */
function nicInXml(def: XmlEl, key: string): XmlEl | undefined {
  return kids(devices(def), "interface").find((n) => child(n, "mac")?.attrs.address === key || child(n, "target")?.attrs.dev === key);
}

/** Which definition --live/--config/--current select (virDomainObjGetOneDef). */
function oneDef(v: Virsh, d: Domain, o: Opts): XmlEl | undefined {
  const f = affectFlags(v, o);
  if (!f) return undefined;
  if (f.live && f.config) {
    v.lastError = lvErr("INVALID_ARG", "Flags 'VIR_DOMAIN_AFFECT_LIVE' and 'VIR_DOMAIN_AFFECT_CONFIG' are mutually exclusive");
    return undefined;
  }
  if (f.live && !D.isActive(d)) {
    v.lastError = lvErr("OPERATION_INVALID", "Requested operation is not valid: domain is not running");
    return undefined;
  }
  return f.config || !D.isActive(d) ? D.persistentDef(d) : d.def;
}

const domifGetlink: Handler = (v, o) => {
  const r = optDomain(v, o);
  if (!r) return false;
  const key = o.raw("interface")!;
  const def = o.has("config") ? D.persistentDef(r.dom) : r.dom.def;
  const nic = nicInXml(def, key);
  if (!nic) {
    v.error(`Interface (dev: ${key}) not found.`);
    return false;
  }
  v.print(`${key} ${child(nic, "link")?.attrs.state ?? "up"}`);
  return true;
};

const domifSetlink: Handler = (v, o) => {
  const r = optDomain(v, o);
  if (!r) return false;
  const key = o.raw("interface")!;
  const state = o.raw("state")!;
  if (state !== "up" && state !== "down") {
    v.error(`invalid link state '${state}'`);
    return false;
  }
  const def = o.has("config") ? D.persistentDef(r.dom) : r.dom.def;
  if (!kids(devices(def), "interface").length) {
    v.error("Failed to extract interface information or no interfaces found");
    return false;
  }
  const nic = nicInXml(def, key);
  if (!nic) {
    v.error(`interface '${key}' not found`);
    return false;
  }
  if (o.has("print-xml")) {
    // virsh edits the parsed XML: an existing <link> changes in place, a new one is appended after the
    // element's last text node, and the node is dumped with the document's indentation
    const link = child(nic, "link");
    const lines = formatXml(link ? { ...nic, children: nic.children.map((c) => (c === link ? el("link", { ...link.attrs, state }) : c)) } : nic, 4, '"').replace(/\n$/, "").split("\n");
    lines[0] = lines[0]!.trimStart();
    if (!link) {
      lines.pop();
      v.print(`${lines.join("\n")}\n    <link state="${state}"/></interface>`);
    } else v.print(lines.join("\n"));
    return true;
  }
  if (isTest(v)) {
    v.lastError = noSupport("virDomainUpdateDeviceFlags");
    v.error("Failed to update interface link state");
    return false;
  }
  const config = o.has("config");
  v.mutateDomain(r.dom, (d) => {
    const swap = (x: XmlEl) => ({ ...x, children: x.children.map((c) => (c === devices(x) ? { ...devices(x)!, children: devices(x)!.children.map((k) => (typeof k === "object" && k.name === "interface" && (child(k, "mac")?.attrs.address === key || child(k, "target")?.attrs.dev === key) ? { ...k, children: [...kids(k).filter((z) => z.name !== "link"), el("link", { state })] } : k)) } : c)) });
    if (config) {
      if (D.isActive(d)) d.newDef = swap(D.persistentDef(d));
      else d.def = swap(d.def);
    } else d.def = swap(d.def);
    return undefined;
  });
  v.printExtra("Device updated successfully\n");
  return true;
};

/** virshParseRateStr for domiftune: average,peak,burst[,floor]. */
function parseRate(v: Virsh, s: string): number[] | undefined {
  const toks = s.split(",");
  if (toks.length > 4) {
    v.error(`Rate string '${s}' has too many fields`);
    return undefined;
  }
  const out = [0, 0, 0, 0];
  for (const [i, t] of toks.entries()) {
    if (t === "") continue;
    if (!/^\s*\+?\d+$/.test(t)) {
      v.error(`field '${["average", "peak", "burst", "floor"][i]}' is malformed`);
      return undefined;
    }
    out[i] = Number(t.trim());
  }
  return out;
}

const domiftune: Handler = (v, o) => {
  const r = optDomain(v, o);
  if (!r) return false;
  const key = o.raw("interface")!;
  const inS = o.strQuiet("inbound");
  const outS = o.strQuiet("outbound");
  const inb = inS !== undefined ? parseRate(v, inS) : undefined;
  if (inS !== undefined && !inb) return false;
  const outb = outS !== undefined ? parseRate(v, outS) : undefined;
  if (outS !== undefined && !outb) return false;
  if (outb && outb[3]) {
    v.error("outbound floor is unsupported yet");
    return false;
  }
  const setting = inS !== undefined || outS !== undefined;
  const fail = () => {
    v.error(setting ? "Unable to set interface parameters" : "Unable to get interface parameters");
    return false;
  };
  const def = oneDef(v, r.dom, o);
  if (!def) return fail();
  const nic = findNet(def, key);
  if (!nic) {
    v.lastError = lvErr("INVALID_ARG", `invalid argument: '${key}' is not a known interface`);
    return fail();
  }
  if (!setting) {
    const bw = child(nic, "bandwidth");
    const i = child(bw, "inbound")?.attrs ?? {};
    const ou = child(bw, "outbound")?.attrs ?? {};
    v.print(
      param("inbound.average", i.average ?? 0) + param("inbound.peak", i.peak ?? 0) + param("inbound.burst", i.burst ?? 0) + param("inbound.floor", i.floor ?? 0) +
        param("outbound.average", ou.average ?? 0) + param("outbound.peak", ou.peak ?? 0) + param("outbound.burst", ou.burst ?? 0),
    );
    return true;
  }
  const useConfig = o.has("config") || !D.isActive(r.dom);
  v.mutateDomain(r.dom, (d) => {
    const base = useConfig ? D.persistentDef(d) : d.def;
    const rate = (n: string, x: number[]) => el(n, { average: x[0] ? String(x[0]) : undefined, peak: x[1] ? String(x[1]) : undefined, burst: x[2] ? String(x[2]) : undefined, floor: x[3] ? String(x[3]) : undefined });
    const fix = (k: XmlEl): XmlEl => {
      const bw = child(k, "bandwidth");
      let inE = child(bw, "inbound");
      let outE = child(bw, "outbound");
      if (inb) inE = inb[0] || inb[3] ? rate("inbound", inb) : undefined;
      if (outb) outE = outb[0] ? rate("outbound", outb) : undefined;
      const nb = inE || outE ? el("bandwidth", {}, [...(inE ? [inE] : []), ...(outE ? [outE] : [])]) : undefined;
      return { ...k, children: [...kids(k).filter((z) => z.name !== "bandwidth"), ...(nb ? [nb] : [])] };
    };
    const target = findNet(base, key)!;
    const devs = devices(base)!;
    const next = { ...base, children: base.children.map((c) => (c === devs ? { ...devs, children: devs.children.map((k) => (k === target ? fix(k) : k)) } : c)) };
    if (useConfig) {
      if (D.isActive(d)) d.newDef = next;
      else d.def = next;
    } else d.def = next;
    return undefined;
  });
  return true;
};

const domblkerror: Handler = (v, o) => {
  const r = optDomain(v, o);
  if (!r) return false;
  if (!D.isActive(r.dom)) return v.fail(lvErr("OPERATION_INVALID", "Requested operation is not valid: domain is not running"));
  const disks = disksOf(r.dom.def);
  if (!isTest(v) || !disks.length) {
    v.print("No errors found\n");
    return true;
  }
  // testDomainGetDiskErrors: every disk reports an error, alternating between the two kinds
  v.print(disks.map((k, i) => `${k.target}: ${i % 2 === 0 ? "unspecified error" : "no space"}\n`).join(""));
  return true;
};

const domfsinfo: Handler = (v, o) => {
  const r = optDomain(v, o);
  if (!r) return false;
  const fail = (e: ReturnType<typeof lvErr>) => {
    v.lastError = e;
    v.error("Unable to get filesystem information");
    return false;
  };
  if (!D.isActive(r.dom)) return fail(lvErr("OPERATION_INVALID", "Requested operation is not valid: domain is not running"));
  if (!isTest(v)) return fail(lvErr("AGENT_UNRESPONSIVE", "Guest agent is not responding: QEMU guest agent is not connected"));
  // testDomainGetFSInfo: a root and a /boot partition on the first disk
  const disk = disksOf(r.dom.def).find((k) => k.device === "disk");
  if (!disk) {
    v.printExtra("No filesystems are mounted in the domain");
    return true;
  }
  v.print(table(["Mountpoint", "Name", "Type", "Target"], [["/", `${disk.target}1`, "ext4", disk.target], ["/boot", `${disk.target}2`, "ext4", disk.target]], !v.quiet));
  return true;
};

const domhostname: Handler = (v, o) => {
  const r = optDomain(v, o);
  if (!r) return false;
  const src = o.strQuiet("source");
  const fail = (e: ReturnType<typeof lvErr>) => {
    v.lastError = e;
    v.error("failed to get hostname");
    return false;
  };
  if (src !== undefined && src !== "lease" && src !== "agent") {
    v.error(`Unknown data source '${src}'`);
    return false;
  }
  // VIR_DOMAIN_GET_HOSTNAME_LEASE = 1, _AGENT = 2
  if (isTest(v) && src !== undefined) return fail(unsupportedFlags(src === "lease" ? 1 : 2, "testDomainGetHostname"));
  if (!D.isActive(r.dom)) return fail(lvErr("OPERATION_INVALID", "Requested operation is not valid: domain is not running"));
  if (!isTest(v)) return fail(lvErr("AGENT_UNRESPONSIVE", "Guest agent is not responding: QEMU guest agent is not connected"));
  v.print(`${D.nameOf(r.dom)}host\n`);
  return true;
};

/** The listen address of a <graphics> element: listen=, else its <listen address=>. */
const listenOf = (g: XmlEl) => g.attrs.listen ?? child(g, "listen")?.attrs.address;

const domdisplay: Handler = (v, o) => {
  const r = optDomain(v, o);
  if (!r) return false;
  if (!D.isActive(r.dom)) {
    v.error("Domain is not running");
    return false;
  }
  const want = o.strQuiet("type");
  const out: string[] = [];
  for (const g of kids(devices(r.dom.def), "graphics")) {
    const type = g.attrs.type ?? "";
    if (want !== undefined && type !== want) continue;
    if (!["vnc", "spice", "rdp"].includes(type)) continue;
    // the test driver assigns no ports: an autoport VNC display still reads port -1
    const port = Number(g.attrs.port ?? "0");
    const tls = Number(g.attrs.tlsPort ?? "0");
    if (!port && !tls) continue;
    let host = listenOf(g);
    if (!host || host === "0.0.0.0" || host === "::") host = "localhost";
    let uri = `${type}://${host}`;
    if (port) uri += `:${type === "vnc" ? port - 5900 : port}`;
    if (type === "spice" && tls) uri += `?tls-port=${tls}`;
    if (o.has("include-password") && g.attrs.passwd !== undefined) uri = uri.replace("://", `://:${g.attrs.passwd}@`);
    out.push(uri);
    if (!o.has("all")) break;
  }
  if (!out.length) {
    v.error(want !== undefined ? `No graphical display with type '${want}' found` : "No graphical display found");
    return false;
  }
  v.print(out.join("\n"));
  return true;
};

const vncdisplay: Handler = (v, o) => {
  const r = optDomain(v, o);
  if (!r) return false;
  if (!D.isActive(r.dom)) {
    v.error("Domain is not running");
    return false;
  }
  const g = kids(devices(r.dom.def), "graphics").find((x) => x.attrs.type === "vnc");
  const port = Number(g?.attrs.port ?? "NaN");
  if (!g || !Number.isInteger(port)) {
    v.error("Failed to get VNC port. Is this domain using VNC?");
    return false;
  }
  const host = listenOf(g);
  v.print(!host || host === "0.0.0.0" ? `:${port - 5900}\n` : `${host}:${port - 5900}\n`);
  return true;
};

/** ttyconsole prints the console's host tty, which only a running QEMU assigns. */
const ttyconsole: Handler = (v, o) => {
  const r = optDomain(v, o);
  if (!r) return false;
  const tty = kids(devices(r.dom.def), "console")[0]?.attrs.tty;
  if (!tty || (isTest(v) && !D.isActive(r.dom))) return false;
  v.print(`${tty}\n`);
  return true;
};

const domcontrol: Handler = (v, o) => {
  const r = optDomain(v, o);
  if (!r) return false;
  if (!D.isActive(r.dom)) return v.fail(lvErr("OPERATION_INVALID", "Requested operation is not valid: domain is not running"));
  v.print("ok\n");
  return true;
};

const notRunning = () => lvErr("OPERATION_INVALID", "Requested operation is not valid: domain is not running");

const KEY_NAMES = new Set([
  ..."ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789".split(""),
  ...Array.from({ length: 24 }, (_, i) => `F${i + 1}`),
  "ESC", "MINUS", "EQUAL", "BACKSPACE", "TAB", "LEFTBRACE", "RIGHTBRACE", "ENTER", "LEFTCTRL", "SEMICOLON", "APOSTROPHE", "GRAVE", "LEFTSHIFT", "BACKSLASH",
  "COMMA", "DOT", "SLASH", "RIGHTSHIFT", "KPASTERISK", "LEFTALT", "SPACE", "CAPSLOCK", "NUMLOCK", "SCROLLLOCK", "SYSRQ", "RIGHTCTRL", "RIGHTALT", "HOME", "UP",
  "PAGEUP", "LEFT", "RIGHT", "END", "DOWN", "PAGEDOWN", "INSERT", "DELETE", "LEFTMETA", "RIGHTMETA", "COMPOSE", "POWER", "SLEEP", "WAKEUP", "PAUSE", "MENU",
]);

const sendKey: Handler = (v, o) => {
  const r = optDomain(v, o);
  if (!r) return false;
  const codeset = o.strQuiet("codeset") ?? "linux";
  if (!["linux", "xt", "atset1", "atset2", "atset3", "os_x", "xt_kbd", "win32", "usb", "rfb", "qnum"].includes(codeset)) {
    v.error(`unknown codeset: '${codeset}'`);
    return false;
  }
  for (const k of o.argv("keycode")) {
    const ok = /^(0x[0-9a-fA-F]+|\d+)$/.test(k) || (codeset === "linux" && k.startsWith("KEY_") && KEY_NAMES.has(k.slice(4)));
    if (!ok) {
      v.error(`invalid keycode: '${k}'`);
      return false;
    }
  }
  if (!D.isActive(r.dom)) return v.fail(notRunning());
  return true;
};

const injectNmi: Handler = (v, o) => {
  const r = optDomain(v, o);
  if (!r) return false;
  if (!D.isActive(r.dom)) return v.fail(notRunning());
  return true;
};

/** screenshot: the test driver hands out a fixed PNG for any domain; the file is named after the domain and time. */
const screenshot: Handler = (v, o) => {
  const r = optDomain(v, o);
  if (!r) return false;
  if (!isTest(v) && !D.isActive(r.dom)) return v.fail(notRunning());
  let file = o.strQuiet("file");
  if (file === undefined) {
    const t = new Date(v.now);
    const p = (n: number) => String(n).padStart(2, "0");
    file = `${D.nameOf(r.dom)}-${t.getUTCFullYear()}-${p(t.getUTCMonth() + 1)}-${p(t.getUTCDate())}-${p(t.getUTCHours())}:${p(t.getUTCMinutes())}:${p(t.getUTCSeconds())}.png`;
  }
  v.writeLocalFile(file, "\x89PNG\r\n\x1a\n");
  v.print(`Screenshot saved to ${file}, with type of image/png`);
  return true;
};

/** domtime: the test driver's guest clock starts at 627319920 and keeps what --time/--now/--sync set. */
const domtime: Handler = (v, o) => {
  const r = optDomain(v, o);
  if (!r) return false;
  const t = optNum(v, o, "time", "ll");
  if (t === null) return false;
  const setting = t !== undefined || o.has("now") || o.has("sync");
  if (!D.isActive(r.dom)) return v.fail(notRunning());
  if (setting) {
    const value = t ?? Math.floor(v.now / 1000);
    v.mutateDomain(r.dom, (d) => {
      d.guestTime = value;
      return undefined;
    });
    return true;
  }
  const secs = r.dom.guestTime ?? (isTest(v) ? 627319920 : Math.floor(v.now / 1000));
  if (o.has("pretty")) {
    const d = new Date(secs * 1000);
    const p = (n: number) => String(n).padStart(2, "0");
    v.print(`Time: ${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`);
  } else v.print(`Time: ${secs}`);
  return true;
};

/** metadata: custom elements under <metadata>, one per namespace URI, written with the key as prefix. */
const metadata: Handler = (v, o) => {
  const r = optDomain(v, o);
  if (!r) return false;
  const uri = o.raw("uri")!;
  const key = o.strQuiet("key");
  const set = o.strQuiet("set");
  const remove = o.has("remove");
  const f = affectFlags(v, o);
  if (!f) return false;
  const config = f.config || (!f.live && !D.isActive(r.dom));
  const def = config ? D.persistentDef(r.dom) : r.dom.def;
  const meta = child(def, "metadata");
  const mine = kids(meta).find((k) => Object.entries(k.attrs).some(([a, val]) => a.startsWith("xmlns") && val === uri));
  if (set !== undefined || remove) {
    if (!remove && key === undefined) {
      v.error("namespace key is required when modifying metadata");
      return false;
    }
    let item: XmlEl | undefined;
    if (set !== undefined) {
      const pr = parseXml(set);
      if ("error" in pr) return v.fail(lvErr("XML_DETAIL", syntaxErrorText(pr.error, "(metadata_xml)")));
      const root = stripWs(pr.root);
      item = { ...root, name: `${key}:${root.name}`, attrs: { [`xmlns:${key}`]: uri, ...root.attrs } };
    }
    v.mutateDomain(r.dom, (d) => {
      const upd = (x: XmlEl): XmlEl => {
        const m = child(x, "metadata");
        const rest = kids(m).filter((k) => !Object.entries(k.attrs).some(([a, val]) => a.startsWith("xmlns") && val === uri));
        const nk = item ? [...rest, item] : rest;
        const others = x.children.filter((c) => !(typeof c === "object" && c.name === "metadata"));
        if (!nk.length) return { ...x, children: others };
        const nm = el("metadata", {}, nk);
        if (m) return { ...x, children: x.children.map((c) => (c === m ? nm : c)) };
        const i = others.findIndex((c) => typeof c === "object" && !["name", "uuid", "genid", "title", "description"].includes(c.name));
        return { ...x, children: [...others.slice(0, i < 0 ? others.length : i), nm, ...others.slice(i < 0 ? others.length : i)] };
      };
      if (config) {
        if (D.isActive(d)) d.newDef = upd(D.persistentDef(d));
        else d.def = upd(d.def);
      } else d.def = upd(d.def);
      return undefined;
    });
    v.printExtra(remove ? "Metadata removed\n" : "Metadata modified\n");
    return true;
  }
  if (!mine) return v.fail(lvErr("NO_DOMAIN_METADATA", "metadata not found: Requested metadata element is not present"));
  const bare: XmlEl = { ...mine, name: mine.name.includes(":") ? mine.name.slice(mine.name.indexOf(":") + 1) : mine.name, attrs: Object.fromEntries(Object.entries(mine.attrs).filter(([a]) => !a.startsWith("xmlns"))) };
  v.print(formatXml(bare, 0, '"'));
  return true;
};

export const MONITOR_HANDLERS: Record<string, Handler> = {
  "send-key": sendKey,
  "inject-nmi": injectNmi,
  screenshot,
  domtime,
  metadata,
  "domif-getlink": domifGetlink,
  "domif-setlink": domifSetlink,
  domiftune,
  domblkerror,
  domfsinfo,
  domhostname,
  domdisplay,
  vncdisplay,
  ttyconsole,
  domcontrol,
};
