// virsh checkpoint commands (virsh-checkpoint.c): create from XML or arguments, list (table, --tree, filters),
// info, parent, dumpxml, delete. The driver side is the checkpoint model (model/libvirt/checkpoints.ts).
import * as C from "../../../model/libvirt/checkpoints";
import * as D from "../../../model/libvirt/domains";
import { lvErr, type Checkpoint, type Domain, type LvError } from "../../../model/libvirt/types";
import { child, childText, el, formatXml, kids, parseXml, stripWs, syntaxErrorText, type XmlEl } from "../../../model/libvirt/xml";
import { optDomain, optStr, readonlyDenies, readXmlFile, type Handler } from "../common";
import { caseSort, table, treePrint } from "../format";
import type { Opts } from "../parse";
import type { Virsh } from "../runtime";
import { xpathDump } from "../xpath";
import { reedit } from "./snapshot";

const SCHEMA = "XML document failed to validate against schema: Unable to validate doc against /usr/share/libvirt/schemas/domaincheckpoint.rng\n";

/** virDomainCheckpointDefFormat: name, description, parent, creation time, disks, then the domain. */
export function checkpointXml(c: Checkpoint, withDomain: boolean): XmlEl {
  const ks: XmlEl[] = [el("name", {}, [c.name])];
  if (c.description !== undefined) ks.push(el("description", {}, [c.description]));
  if (c.parent) ks.push(el("parent", {}, [el("name", {}, [c.parent])]));
  if (c.creationTime) ks.push(el("creationTime", {}, [String(c.creationTime)]));
  if (c.disks.length) ks.push(el("disks", {}, c.disks.map((k) => el("disk", { name: k.name, checkpoint: k.checkpoint === "default" ? undefined : k.checkpoint, bitmap: k.bitmap }))));
  if (withDomain && c.domain) ks.push({ ...c.domain, attrs: { type: c.domain.attrs.type ?? "test" } });
  return el("domaincheckpoint", {}, ks);
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/'/g, "&apos;").replace(/"/g, "&quot;");

/** virDomainCheckpointDefParseString (with the schema's simplest checks) and the driver's create. */
function createFromXml(v: Virsh, dom: Domain, xmlText: string, redefine: boolean, from?: string, defined?: (name: string) => void): boolean {
  if (readonlyDenies(v, "virDomainCheckpointCreateXML")) return false;
  // testDomainCheckpointCreateXML refuses before parsing anything
  if (dom.snapshots.length) return v.fail(lvErr("OPERATION_UNSUPPORTED", "Operation not supported: cannot create checkpoint while snapshot exists"));
  if (!D.isActive(dom)) return v.fail(lvErr("OPERATION_UNSUPPORTED", "Operation not supported: cannot create checkpoint for inactive domain"));
  const p = parseXml(xmlText);
  if ("error" in p) return v.fail(lvErr("XML_DETAIL", syntaxErrorText(p.error, "(domain_checkpoint)")));
  const root = stripWs(p.root);
  if (root.name !== "domaincheckpoint") return v.fail(lvErr("XML_ERROR", `XML error: expecting root element of 'domaincheckpoint', not '${root.name}'`));
  const extra = kids(root).find((k) => !["name", "description", "parent", "creationTime", "disks", "domain"].includes(k.name));
  if (extra) return v.fail(lvErr("XML_INVALID_SCHEMA", `${SCHEMA}Element domaincheckpoint has extra content: ${extra.name}\n`));
  const diskEls = kids(child(root, "disks"));
  if (diskEls.some((k) => k.name !== "disk" || k.attrs.name === undefined || (k.attrs.checkpoint !== undefined && !["no", "bitmap"].includes(k.attrs.checkpoint))))
    return v.fail(lvErr("XML_INVALID_SCHEMA", `${SCHEMA}Extra element disks in interleave\nElement domaincheckpoint failed to validate content\n`));
  const name = childText(root, "name");
  const description = childText(root, "description");
  const disks = diskEls.map((k) => ({ name: k.attrs.name!, ...(k.attrs.checkpoint !== undefined ? { checkpoint: k.attrs.checkpoint } : {}), ...(k.attrs.bitmap !== undefined ? { bitmap: k.attrs.bitmap } : {}) }));
  const now = Math.floor(v.now / 1000);
  let res: Checkpoint | LvError;
  if (redefine) {
    if (name === undefined) return v.fail(lvErr("XML_ERROR", "XML error: a redefined checkpoint must have a name"));
    const ct = childText(root, "creationTime")?.trim();
    if (ct === undefined || !/^[+-]?\d+$/.test(ct)) return v.fail(lvErr("INTERNAL_ERROR", "internal error: missing creationTime from existing checkpoint"));
    const parent = childText(child(root, "parent"), "name");
    const domEl = child(root, "domain");
    const chk: Checkpoint = {
      name,
      ...(description !== undefined ? { description } : {}),
      ...(parent ? { parent } : {}),
      creationTime: Number(ct),
      disks: disks.map((k) => ({ ...k, checkpoint: k.checkpoint ?? "bitmap" })),
      ...(domEl ? { domain: domEl } : {}),
    };
    res = v.mutateDomain(dom, (d) => C.redefineCheckpoint(d, chk));
  } else res = v.mutateDomain(dom, (d) => C.createCheckpoint(d, { ...(name !== undefined ? { name } : {}), ...(description !== undefined ? { description } : {}), ...(diskEls.length ? { disks } : {}) }, now));
  if ("code" in res) return v.fail(res);
  if (defined) {
    defined(res.name);
    return true;
  }
  v.printExtra(from !== undefined ? `Domain checkpoint ${res.name} created from '${from}'` : `Domain checkpoint ${res.name} created`);
  return true;
}

const checkpointCreate: Handler = (v, o) => {
  if (o.has("redefine-validate") && !o.has("redefine")) {
    v.error("Option --redefine is required by option --redefine-validate");
    return false;
  }
  const r = optDomain(v, o);
  if (!r) return false;
  const f = optStr(v, o, "xmlfile");
  if (!f) return false;
  let text = "<domaincheckpoint/>";
  if (f.value !== undefined) {
    const t = readXmlFile(v, f.value);
    if (t === undefined) return false;
    text = t;
  }
  return createFromXml(v, r.dom, text, o.has("redefine"), f.value);
};

/** virshParseCheckpointDiskspec: "disk[,checkpoint=type][,bitmap=name]" with ",," for a literal comma. */
function diskspecXml(spec: string): string | undefined {
  const parts: string[] = [];
  let cur = "";
  for (let i = 0; i < spec.length; i++) {
    if (spec[i] === "," && spec[i + 1] === ",") {
      cur += ",";
      i++;
    } else if (spec[i] === ",") {
      parts.push(cur);
      cur = "";
    } else cur += spec[i];
  }
  parts.push(cur);
  let checkpoint: string | undefined;
  let bitmap: string | undefined;
  for (const p of parts.slice(1)) {
    if (checkpoint === undefined && p.startsWith("checkpoint=")) checkpoint = p.slice(11);
    else if (bitmap === undefined && p.startsWith("bitmap=")) bitmap = p.slice(7);
    else return undefined;
  }
  return `<disk name='${esc(parts[0]!)}'${checkpoint !== undefined ? ` checkpoint='${checkpoint}'` : ""}${bitmap !== undefined ? ` bitmap='${bitmap}'` : ""}/>\n`;
}

const checkpointCreateAs: Handler = (v, o) => {
  const r = optDomain(v, o);
  if (!r) return false;
  const name = optStr(v, o, "name");
  if (!name) return false;
  const desc = optStr(v, o, "description");
  if (!desc) return false;
  let xml = "<domaincheckpoint>\n";
  if (name.value !== undefined) xml += `  <name>${esc(name.value)}</name>\n`;
  if (desc.value !== undefined) xml += `  <description>${esc(desc.value)}</description>\n`;
  if (o.has("diskspec")) {
    xml += "  <disks>\n";
    for (const s of o.argv("diskspec")) {
      const d = diskspecXml(s);
      if (d === undefined) {
        v.error(`unable to parse diskspec: ${s}`);
        return false;
      }
      xml += `    ${d}`;
    }
    xml += "  </disks>\n";
  }
  xml += "</domaincheckpoint>\n";
  if (o.has("print-xml")) {
    v.print(`${xml}\n`);
    return true;
  }
  return createFromXml(v, r.dom, xml, false);
};

/** virshLookupCheckpoint: --ARG names the checkpoint (required). */
function lookup(v: Virsh, o: Opts, dom: Domain, arg = "checkpointname"): Checkpoint | undefined {
  const s = optStr(v, o, arg);
  if (!s) return undefined;
  if (s.value === undefined) {
    v.error(`--${arg} is required`);
    return undefined;
  }
  const c = C.findCheckpoint(dom, s.value);
  if (!c) v.lastError = C.noCheckpoint(s.value);
  return c;
}

const checkpointInfo: Handler = (v, o) => {
  const r = optDomain(v, o);
  if (!r) return false;
  const c = lookup(v, o, r.dom);
  if (!c) return false;
  const kv = (k: string, val: string | number) => `${k.padEnd(15)} ${val}\n`;
  v.print(kv("Name:", c.name) + kv("Domain:", D.nameOf(r.dom)) + kv("Parent:", c.parent ?? "-") + kv("Children:", C.checkpointChildren(r.dom, c.name).length) + kv("Descendants:", C.checkpointDescendants(r.dom, c.name).length));
  return true;
};

const checkpointParent: Handler = (v, o) => {
  const r = optDomain(v, o);
  if (!r) return false;
  const c = lookup(v, o, r.dom);
  if (!c) return false;
  if (!c.parent) {
    v.error(`checkpoint '${c.name}' has no parent`);
    return false;
  }
  v.print(c.parent);
  return true;
};

const checkpointDumpxml: Handler = (v, o) => {
  const r = optDomain(v, o);
  if (!r) return false;
  const c = lookup(v, o, r.dom);
  if (!c) return false;
  // the size estimate (VIR_DOMAIN_CHECKPOINT_XML_SIZE) needs a running guest
  if (o.has("size") && !D.isActive(r.dom)) return v.fail(lvErr("OPERATION_INVALID", "Requested operation is not valid: domain is not running"));
  const x = formatXml(checkpointXml(c, !o.has("no-domain")));
  const xp = o.strQuiet("xpath");
  if (xp !== undefined) return xpathDump(v, x, xp, o.has("wrap"));
  v.print(x);
  return true;
};

const fmtTime = (t: number) => {
  const d = new Date(t * 1000);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
};

/** virDomainMomentForEachDescendant: pre-order, the most recently linked child first. */
function topological(all: Checkpoint[]): Checkpoint[] {
  const out: Checkpoint[] = [];
  const names = new Set(all.map((c) => c.name));
  const walk = (parent: string | undefined) => {
    for (const c of [...all].reverse().filter((x) => (parent === undefined ? !x.parent || !names.has(x.parent) : x.parent === parent))) {
      out.push(c);
      walk(c.name);
    }
  };
  walk(undefined);
  return out;
}

const checkpointList: Handler = (v, o) => {
  const tree = o.has("tree");
  const from = o.has("from");
  for (const [a, b] of [["tree", "name"], ["parent", "roots"], ["parent", "tree"], ["roots", "tree"], ["roots", "from"]] as const)
    if (o.has(a) && o.has(b)) {
      v.error(`Options --${a} and --${b} are mutually exclusive`);
      return false;
    }
  for (const f of ["leaves", "no-leaves"])
    if (o.has(f) && tree) {
      v.error(`--${f} and --tree are mutually exclusive`);
      return false;
    }
  if (o.has("descendants") && !from) {
    v.error("--descendants requires --from");
    return false;
  }
  const r = optDomain(v, o);
  if (!r) return false;
  const d = r.dom;
  let start: Checkpoint | undefined;
  if (from) {
    start = lookup(v, o, d, "from");
    if (!start) return false;
  }
  // virDomainListCheckpoints: children or descendants of --from, else all (or the roots), in topological order
  let list = topological(C.checkpointsOf(d));
  if (start) {
    const under = new Set((o.has("descendants") ? C.checkpointDescendants(d, start.name) : C.checkpointChildren(d, start.name)).map((c) => c.name));
    list = list.filter((c) => under.has(c.name));
  } else if (o.has("roots")) list = list.filter((c) => !c.parent);
  const hasKids = (c: Checkpoint) => C.checkpointChildren(d, c.name).length > 0;
  // each leaf filter drops what the other keeps: both together leave nothing
  if (o.has("leaves")) list = list.filter((c) => !hasKids(c));
  if (o.has("no-leaves")) list = list.filter(hasKids);
  if (tree && start) list = [...list, start];
  if (!o.has("topological")) list = [...list].sort((a, b) => caseSort(a.name, b.name));
  if (tree) {
    const parentOf = new Map(list.map((c) => [c.name, c === start ? undefined : c.parent]));
    v.print(treePrint(list.map((c) => c.name), (n) => parentOf.get(n)));
    return true;
  }
  if (o.has("name")) {
    v.print(list.map((c) => `${c.name}\n`).join(""));
    return true;
  }
  const withParent = o.has("parent");
  const rows = list.map((c) => (withParent ? [c.name, fmtTime(c.creationTime), c.parent ?? ""] : [c.name, fmtTime(c.creationTime)]));
  v.print(table(withParent ? ["Name", "Creation Time", "Parent"] : ["Name", "Creation Time"], rows, !v.quiet));
  return true;
};

const checkpointDelete: Handler = (v, o) => {
  const r = optDomain(v, o);
  if (!r) return false;
  const c = lookup(v, o, r.dom);
  if (!c) return false;
  const childrenOnly = o.has("children-only");
  const fail = (e: LvError) => {
    v.lastError = e;
    v.error(`Failed to delete checkpoint ${c.name}`);
    return false;
  };
  if (readonlyDenies(v, "virDomainCheckpointDelete")) return fail(v.lastError!);
  if (o.has("children") && childrenOnly) return fail(lvErr("INVALID_ARG", "Flags 'VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN' and 'VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN_ONLY' are mutually exclusive"));
  const e = v.mutateDomain(r.dom, (d) => C.deleteCheckpoint(d, c.name, { children: o.has("children"), childrenOnly }));
  if (e) return fail(e);
  v.printExtra(childrenOnly ? `Domain checkpoint ${c.name} children deleted\n` : `Domain checkpoint ${c.name} deleted\n`);
  return true;
};

/**
 * `checkpoint-edit` (cmdCheckpointEdit): the checkpoint's XML in the editor, redefined from what comes back; a
 * new <name> is refused after the fact (the new checkpoint's metadata deleted again).
 */
const checkpointEdit: Handler = (v, o) => {
  const r = optDomain(v, o);
  if (!r) return false;
  const c = lookup(v, o, r.dom);
  if (!c) return false;
  const name = c.name;
  const text = formatXml(checkpointXml(c, true));
  const failed = () => v.error(`Failed to update ${name}`);
  v.editRequest = {
    suffix: ".xml",
    content: text,
    editorFailed: failed,
    apply: (edited) => {
      if (edited === text) {
        v.printExtra(`Checkpoint ${name} XML configuration not changed.\n`);
        return true;
      }
      let editedName: string | undefined;
      if (!createFromXml(v, r.dom, edited, true, undefined, (n) => (editedName = n))) return reedit(v, "Failed.", false, failed);
      if (editedName === name) {
        v.printExtra(`Checkpoint ${name} edited.\n`);
        return true;
      }
      const e = v.mutateDomain(r.dom, (d) => C.deleteCheckpoint(d, editedName!, { children: false, childrenOnly: false }));
      if (e) {
        v.lastError = e;
        v.reportError();
        v.error(`Failed to clean up ${editedName}`);
      } else v.error(`Cannot rename checkpoint ${name} to ${editedName}`);
      failed();
      return false;
    },
  };
  return true;
};

export const CHECKPOINT_HANDLERS: Record<string, Handler> = {
  "checkpoint-edit": checkpointEdit,
  "checkpoint-create": checkpointCreate,
  "checkpoint-create-as": checkpointCreateAs,
  "checkpoint-info": checkpointInfo,
  "checkpoint-parent": checkpointParent,
  "checkpoint-dumpxml": checkpointDumpxml,
  "checkpoint-list": checkpointList,
  "checkpoint-delete": checkpointDelete,
};
