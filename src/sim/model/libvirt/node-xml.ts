// libvirt's test driver host: a <node> XML document (test:///PATH) or the built-in default (test:///default).
import { normalizeDomain } from "./domain-xml";
import { normalizePool, parseNetworkXml, volumeFromEl, poolPath } from "./net-xml";
import { recomputePool, volFormatFor } from "./storage";
import { child, childText, copyDef, el, formatXml, kids, parseXml, stripWs, syntaxErrorText, text, type XmlEl } from "./xml";
import { lvErr, type Domain, type DomainState, type LibvirtConn, type LvError, type NodeInfo, type Pool, type Snapshot } from "./types";

export interface Gen {
  uuid: () => string;
  mac: () => string;
}

/** testDriver's defaults for a node that does not say otherwise. */
export const TEST_NODE_DEFAULTS: NodeInfo = { model: "i686", memory: 3 * 1024 * 1024, cpus: 16, mhz: 1400, nodes: 2, sockets: 2, cores: 2, threads: 2 };

const RUNSTATES: DomainState[] = ["nostate", "running", "blocked", "paused", "shutdown", "shutoff", "crashed", "pmsuspended"];

/** The built-in test:///default host (libvirt's defaultConnXML). */
export const DEFAULT_TEST_NODE = `<node>
<domain type='test'>
  <name>test</name>
  <uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>
  <memory>8388608</memory>
  <currentMemory>2097152</currentMemory>
  <vcpu>2</vcpu>
  <os>
    <type>hvm</type>
  </os>
  <devices>
    <disk type='file' device='disk'>
      <source file='/guest/diskimage1'/>
      <target dev='vda' bus='virtio'/>
      <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>
    </disk>
    <interface type='network'>
      <mac address='aa:bb:cc:dd:ee:ff'/>
      <source network='default' bridge='virbr0'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'/>
    </interface>
    <memballoon model='virtio'>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/>
    </memballoon>
  </devices>
</domain>
<network>
  <name>default</name>
  <uuid>dd8fe884-6c02-601e-7551-cca97df1c5df</uuid>
  <bridge name='virbr0'/>
  <forward/>
  <ip address='192.168.122.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.122.2' end='192.168.122.254'/>
    </dhcp>
  </ip>
</network>
<interface type="ethernet" name="eth1">
  <start mode="onboot"/>
  <mac address="aa:bb:cc:dd:ee:ff"/>
  <mtu size="1492"/>
  <protocol family="ipv4">
    <ip address="192.168.0.5" prefix="24"/>
    <route gateway="192.168.0.1"/>
  </protocol>
</interface>
<pool type='dir'>
  <name>default-pool</name>
  <uuid>dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566</uuid>
  <target>
    <path>/default-pool</path>
  </target>
</pool>
</node>`;

function uint(node: XmlEl, path: string[], what: string): number | undefined | LvError {
  let e: XmlEl | undefined = node;
  for (const p of path) e = child(e, p);
  if (!e) return undefined;
  const t = (text(e) ?? "").trim();
  if (!/^\d+$/.test(t)) return lvErr("XML_ERROR", `XML error: invalid node ${what} value`);
  return Number(t);
}

/** Strip a namespace prefix ("test:runstate" → "runstate") of the test driver's own elements. */
const local = (n: string) => (n.startsWith("test:") ? n.slice(5) : n);

function parseSnapshot(s: XmlEl, ctx: { driver: "test"; uuid: () => string; mac: () => string; ifnames: boolean }): { snap: Snapshot; current: boolean } | LvError {
  const name = childText(s, "name")?.trim();
  if (!name) return lvErr("XML_ERROR", "XML error: a redefined snapshot must have a name");
  const domEl = child(s, "domain");
  let domain: XmlEl | undefined;
  if (domEl) {
    const d = normalizeDomain(domEl, ctx);
    if ("code" in d) return d;
    domain = d;
  }
  const mem = child(s, "memory")?.attrs.snapshot;
  const disks = kids(child(s, "disks"), "disk").map((d) => ({ name: d.attrs.name ?? "", snapshot: d.attrs.snapshot ?? "internal" }));
  const parent = childText(child(s, "parent"), "name")?.trim();
  return {
    snap: {
      name,
      ...(childText(s, "description") !== undefined ? { description: childText(s, "description")! } : {}),
      state: childText(s, "state")?.trim() ?? "shutoff",
      ...(parent ? { parent } : {}),
      creationTime: Number(childText(s, "creationTime") ?? 0),
      memory: mem === "internal" || mem === "external" ? mem : "no",
      disks,
      ...(domain ? { domain } : {}),
    },
    current: (childText(s, "active") ?? "0").trim() === "1",
  };
}

/** virDomainTaintMessage, in the enum order virDomainObjGetMessages lists them. */
const TAINT_MESSAGES = [
  "custom configuration parameters specified",
  "custom monitor control commands issued",
  "running with undesirable elevated privileges",
  "network configuration using opaque shell scripts",
  "potentially unsafe disk format probing",
  "managing externally launched configuration",
  "potentially unsafe use of host CPU passthrough",
  "configuration potentially modified by hook script",
  "use of host cdrom passthrough",
  "custom device tree blob used",
  "custom guest agent control commands issued",
  "hypervisor feature autodetection override",
  "use of deprecated configuration settings",
  "custom device configuration",
];
const TAINT = { highPrivileges: 2, shellScripts: 3, cdromPassthrough: 8, customDtb: 9, deprecatedConfig: 12 } as const;

/** testDomainObjCheckTaint: what the test driver flags on the domains of a node file as it loads them. */
export function testDomainMessages(def: XmlEl): string[] {
  const taint = new Set<number>();
  const deprecations: string[] = [];
  const devs = child(def, "devices");
  for (const d of kids(devs, "disk")) {
    if (d.attrs.rawio === "yes") taint.add(TAINT.highPrivileges);
    if (d.attrs.device === "cdrom" && d.attrs.type === "block" && child(d, "source")?.attrs.dev) taint.add(TAINT.cdromPassthrough);
  }
  for (const h of kids(devs, "hostdev")) if (h.attrs.type === "scsi" && h.attrs.rawio === "yes") taint.add(TAINT.highPrivileges);
  for (const n of kids(devs, "interface")) if (child(n, "script")) taint.add(TAINT.shellScripts);
  const cpu = child(def, "cpu");
  if (cpu && (cpu.attrs.mode ?? "custom") === "custom" && childText(cpu, "model")?.trim() === "Deprecated-Test") {
    taint.add(TAINT.deprecatedConfig);
    deprecations.push("CPU model Deprecated-Test");
  }
  if (child(child(def, "os"), "dtb")) taint.add(TAINT.customDtb);
  return [...[...taint].sort((a, b) => a - b).map((i) => `tainted: ${TAINT_MESSAGES[i]}`), ...deprecations.map((d) => `deprecated configuration: ${d}`)];
}

/** testBuildFilename: a `file=` reference as the test driver opens it, relative to the node file's directory. */
export function nodeRefPath(nodeFile: string, ref: string): string {
  if (ref.startsWith("/")) return ref;
  const slash = nodeFile.lastIndexOf("/");
  return `${slash < 0 ? "." : slash === 0 ? "" : nodeFile.slice(0, slash)}/${ref}`;
}

/**
 * Load a test-driver <node> document as a connection, as testOpenFromFile does. `readFile` reads the files
 * its `<domain file="...">` (network, interface, pool, volume, snapshot) elements name, by absolute path.
 */
export function loadTestNode(xml: string, uri: string, gen: Gen, file = "(test driver)", readFile?: (abs: string) => string | undefined): LibvirtConn | LvError {
  const r = parseXml(xml);
  if ("error" in r) return lvErr("XML_DETAIL", syntaxErrorText(r.error, file));
  const root = stripWs(r.root);
  if (root.name !== "node") return lvErr("XML_ERROR", `XML error: expecting root element of 'node', not '${root.name}'`);
  const node: NodeInfo = { ...TEST_NODE_DEFAULTS };
  for (const [key, what] of [["nodes", "cpu nodes"], ["sockets", "cpu sockets"], ["cores", "cpu cores"], ["threads", "cpu threads"]] as const) {
    const v = uint(root, ["cpu", key], what);
    if (typeof v === "object") return v;
    if (v !== undefined) node[key] = v;
  }
  node.cpus = node.cores * node.threads * node.sockets * node.nodes;
  const active = uint(root, ["cpu", "active"], "cpu active");
  if (typeof active === "object") return active;
  if (active !== undefined && active < node.cpus) node.cpus = active;
  const mhz = uint(root, ["cpu", "mhz"], "cpu mhz");
  if (typeof mhz === "object") return mhz;
  if (mhz !== undefined) node.mhz = mhz;
  const model = childText(child(root, "cpu"), "model");
  if (model !== undefined) node.model = model.trim();
  const mem = uint(root, ["memory"], "memory");
  if (typeof mem === "object") return mem;
  if (mem !== undefined) node.memory = mem;

  const conn: LibvirtConn = { driver: "test", uri, node, domains: [], nextDomId: 1, networks: [], pools: [], interfaces: [], nwfilters: [], leases: [], files: false };
  const ctx = { driver: "test" as const, uuid: gen.uuid, mac: gen.mac, ifnames: true };
  // testParseXMLDocFromFile: the element is replaced by the root of the file it names (its own children,
  // such as a pool's <volume>s, are dropped), which must be an element of the same name
  const fromFile = (e: XmlEl): XmlEl | LvError => {
    const f = e.attrs.file;
    if (f === undefined) return e;
    const abs = nodeRefPath(file, f);
    const t = readFile?.(abs);
    if (t === undefined) return { ...lvErr("XML_ERROR", `XML error: failed to parse xml document '${abs}'`), warning: `I/O warning : failed to load external entity "${abs}"\n` };
    const p = parseXml(t);
    if ("error" in p) return lvErr("XML_DETAIL", syntaxErrorText(p.error, abs));
    const want = local(e.name);
    if (p.root.name !== want) return lvErr("XML_ERROR", `XML error: expecting root element of '${want}', not '${p.root.name}'`);
    return stripWs(p.root);
  };

  for (const dIn of kids(root, "domain")) {
    const dEl = fromFile(dIn);
    if ("code" in dEl) return dEl;
    const def = normalizeDomain({ ...dEl, children: dEl.children.filter((c) => typeof c === "string" || !c.name.startsWith("test:")) }, ctx);
    if ("code" in def) return def;
    const ns = kids(dEl).filter((k) => k.name.startsWith("test:"));
    const nsGet = (n: string) => ns.find((k) => local(k.name) === n);
    const rs = nsGet("runstate");
    let runstate: DomainState = "running";
    if (rs) {
      const t = (text(rs) ?? "").trim();
      if (!/^\d+$/.test(t)) return lvErr("XML_ERROR", "XML error: invalid runstate");
      const v = Number(t);
      if (v >= RUNSTATES.length) return lvErr("XML_ERROR", `XML error: runstate '${v}' out of range'`);
      runstate = RUNSTATES[v]!;
    }
    const transient = !!nsGet("transient");
    const managed = !!nsGet("hasmanagedsave");
    if (transient && runstate === "shutoff") return lvErr("XML_ERROR", "XML error: transient domain cannot have runstate 'shutoff'");
    if (managed && runstate !== "shutoff") return lvErr("XML_ERROR", "XML error: domain with managedsave data can only have runstate 'shutoff'");
    const uuid = childText(def, "uuid")!;
    const name = childText(def, "name")!;
    const dup = conn.domains.find((d) => childText(d.def, "name") === name || d.uuid === uuid);
    if (dup) return lvErr("OPERATION_FAILED", `operation failed: domain '${name}' already exists with uuid ${dup.uuid}`);
    const dom: Domain = { uuid, def, persistent: !transient, autostart: false, state: "shutoff", reason: "unknown", id: -1, managedSave: managed, snapshots: [], vcpuPins: {} };
    for (const sIn of ns.filter((k) => local(k.name) === "domainsnapshot")) {
      const s = fromFile(sIn);
      if ("code" in s) return s;
      const p = parseSnapshot(s, ctx);
      if ("code" in p) return p;
      dom.snapshots.push(p.snap);
      if (p.current) {
        if (dom.currentSnapshot) return lvErr("INTERNAL_ERROR", "internal error: more than one snapshot claims to be active");
        dom.currentSnapshot = p.snap.name;
      }
    }
    if (runstate !== "shutoff") {
      if (dom.persistent) dom.newDef = copyDef(def);
      dom.id = conn.nextDomId++;
      dom.startedAt = 0;
    }
    dom.state = runstate;
    dom.reason = "unknown";
    const messages = testDomainMessages(def);
    if (messages.length) dom.messages = messages;
    conn.domains.push(dom);
  }

  for (const nIn of kids(root, "network")) {
    const nEl = fromFile(nIn);
    if ("code" in nEl) return nEl;
    const def = parseNetworkXml(formatXml(nEl), { driver: "test", uuid: gen.uuid });
    if ("code" in def) return def;
    const uuid = childText(def, "uuid")!;
    conn.networks.push({ uuid, def, active: true, persistent: true, autostart: false });
  }

  for (const iIn of kids(root, "interface")) {
    const iEl = fromFile(iIn);
    if ("code" in iEl) return iEl;
    const name = iEl.attrs.name;
    if (!name) return lvErr("XML_ERROR", "XML error: interface has no name");
    conn.interfaces.push({ name, def: normalizeIface(iEl), active: true });
  }

  for (const pIn of kids(root, "pool")) {
    const pEl = fromFile(pIn);
    if ("code" in pEl) return pEl;
    const def = normalizePool(pEl, { uuid: gen.uuid });
    if ("code" in def) return def;
    const pool: Pool = { uuid: childText(def, "uuid")!, def, active: true, persistent: true, autostart: false, volumes: [], capacity: 0, allocation: 0, available: 0 };
    for (const vIn of kids(pEl, "volume")) {
      const vEl = fromFile(vIn);
      if ("code" in vEl) return vEl;
      const spec = volumeFromEl(vEl);
      if ("code" in spec) return spec;
      // testOpenVolumesForPool keeps a given path and key, defaulting them to pool path/name
      const path = spec.path ?? `${poolPath(def) ?? "(null)"}/${spec.name}`;
      const format = volFormatFor(def.attrs.type ?? "dir", spec.format);
      if (typeof format === "object") return format;
      const bfmt = spec.backing ? volFormatFor(def.attrs.type ?? "dir", spec.backing.format) : undefined;
      if (typeof bfmt === "object") return bfmt;
      pool.volumes.push({
        name: spec.name,
        path,
        type: (vEl.attrs.type as "file") ?? "file",
        capacity: spec.capacity,
        allocation: spec.allocation ?? spec.capacity,
        ...(format ? { format } : {}),
        ...(spec.backing ? { backing: { path: spec.backing.path, ...(bfmt ? { format: bfmt } : {}), ...(spec.backing.perms ? { perms: spec.backing.perms } : {}) } } : {}),
        ...(spec.key && spec.key !== path ? { key: spec.key } : {}),
        ...(spec.perms ? { perms: spec.perms } : {}),
      });
    }
    recomputePool(conn, pool);
    conn.pools.push(pool);
  }
  return conn;
}

/** Host interface XML in libvirt's order: start, mtu, protocol ..., then mac for plain ethernet devices. */
export function normalizeIface(e: XmlEl): XmlEl {
  const ks = kids(e);
  const rank: Record<string, number> = { start: 0, mtu: 1, protocol: 2, bond: 3, bridge: 3, vlan: 3, mac: 4 };
  const sorted = ks.map((k, i) => ({ k, i })).sort((a, b) => (rank[a.k.name] ?? 5) - (rank[b.k.name] ?? 5) || a.i - b.i).map((x) => x.k);
  return el("interface", { type: e.attrs.type ?? "ethernet", name: e.attrs.name ?? "" }, sorted);
}
