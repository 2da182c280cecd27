// virsh qemu-agent-command: talking to the QEMU guest agent (qemu-ga) of a running domain through its
// virtio-serial channel org.qemu.guest_agent.0, with libvirt 9.0's errors and the agent's JSON replies.
import { childText, type XmlEl } from "../../model/libvirt/xml";
import { lvErr } from "../../model/libvirt/types";
import { guestOf } from "../../model/guestfs/image";
import { inspect } from "../../model/guestfs/inspect";
import { disksOf } from "../../model/libvirt/domain-xml";
import * as D from "../../model/libvirt/domains";
import { noSupport, optDomain, type Handler } from "../virsh/common";
import type { Virsh } from "../virsh/runtime";

/** Whether the domain definition has the guest agent channel. */
function hasAgentChannel(def: XmlEl): boolean {
  const devices = def.children.find((c) => typeof c === "object" && c.name === "devices") as XmlEl | undefined;
  return !!devices?.children.some((c) => typeof c === "object" && c.name === "channel" && c.children.some((t) => typeof t === "object" && t.name === "target" && t.attrs.name === "org.qemu.guest_agent.0"));
}

const AGENT_COMMANDS = ["guest-sync-delimited", "guest-sync", "guest-ping", "guest-get-time", "guest-set-time", "guest-info", "guest-shutdown", "guest-file-open", "guest-file-close", "guest-file-read", "guest-file-write", "guest-file-seek", "guest-file-flush", "guest-fsfreeze-status", "guest-fsfreeze-freeze", "guest-fsfreeze-freeze-list", "guest-fsfreeze-thaw", "guest-fstrim", "guest-suspend-disk", "guest-suspend-ram", "guest-suspend-hybrid", "guest-network-get-interfaces", "guest-get-vcpus", "guest-set-vcpus", "guest-get-disks", "guest-get-fsinfo", "guest-set-user-password", "guest-get-memory-blocks", "guest-set-memory-blocks", "guest-get-memory-block-info", "guest-exec-status", "guest-exec", "guest-get-host-name", "guest-get-users", "guest-get-timezone", "guest-get-osinfo", "guest-get-devices", "guest-ssh-get-authorized-keys", "guest-ssh-add-authorized-keys", "guest-ssh-remove-authorized-keys"];

/** What the guest OS inside the domain's first disk says about itself (hostname, os-release). */
function guestFacts(v: Virsh, def: XmlEl): { hostname: string; osr: Record<string, string> } {
  const disk = disksOf(def).find((d) => d.device === "disk" && d.source);
  const fs = v.world.hosts[v.hostName]?.fs;
  if (!disk || !fs) return { hostname: "localhost", osr: {} };
  const g = guestOf(fs, disk.source!);
  const os = inspect([g])[0];
  const root = g.partitions.find((p) => p.fs?.files["/etc/os-release"])?.fs ?? g.vgs.flatMap((x) => x.lvs).find((l) => l.fs?.files["/etc/os-release"])?.fs;
  const text = root?.files["/etc/os-release"];
  const osr: Record<string, string> = {};
  if (text?.kind === "file") for (const l of text.content.split("\n")) {
    const m = /^([A-Z_]+)="?(.*?)"?$/.exec(l);
    if (m) osr[m[1]!] = m[2]!;
  }
  return { hostname: os?.hostname.split(".")[0] ?? childText(def, "name") ?? "localhost", osr };
}

function reply(v: Virsh, def: XmlEl, cmd: string, args: Record<string, unknown> | undefined): unknown {
  switch (cmd) {
    case "guest-ping":
    case "guest-sync":
      return cmd === "guest-sync" ? args?.id ?? 0 : {};
    case "guest-info":
      return { version: "7.2.0", supported_commands: AGENT_COMMANDS.map((name) => ({ enabled: name !== "guest-exec" || true, name, "success-response": name !== "guest-shutdown" && !name.startsWith("guest-suspend") })) };
    case "guest-get-host-name":
      return { "host-name": guestFacts(v, def).hostname };
    case "guest-get-osinfo": {
      const o = guestFacts(v, def).osr;
      return { name: o.NAME ?? "Linux", "kernel-release": o.ID === "debian" ? "6.1.0-28-amd64" : "5.14.0-427.13.1.el9_4.x86_64", version: o.VERSION ?? "", "pretty-name": o.PRETTY_NAME ?? "", "version-id": o.VERSION_ID ?? "", "kernel-version": o.ID === "debian" ? "#1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1 (2024-11-22)" : "#1 SMP PREEMPT_DYNAMIC Wed Apr 24 13:52:26 UTC 2024", machine: "x86_64", id: o.ID ?? "linux" };
    }
    case "guest-get-time":
      return v.now * 1e6;
    case "guest-get-timezone":
      return { offset: 0, zone: "UTC" };
    case "guest-fsfreeze-status":
      return "thawed";
    case "guest-get-vcpus": {
      const n = Number(childText(def, "vcpu") ?? "1");
      return Array.from({ length: n }, (_, i) => ({ online: true, "can-offline": i > 0, "logical-id": i }));
    }
    case "guest-network-get-interfaces":
      return [{ name: "lo", "ip-addresses": [{ "ip-address-type": "ipv4", "ip-address": "127.0.0.1", prefix: 8 }, { "ip-address-type": "ipv6", "ip-address": "::1", prefix: 128 }], statistics: { "tx-packets": 0, "tx-errs": 0, "rx-bytes": 0, "rx-dropped": 0, "rx-packets": 0, "rx-errs": 0, "tx-bytes": 0, "tx-dropped": 0 }, "hardware-address": "00:00:00:00:00:00" }];
    default:
      return {};
  }
}

/** virsh qemu-agent-command DOMAIN [--timeout N | --async | --block] [--pretty] COMMAND */
export const qemuAgentCommand: Handler = (v, o) => {
  const r = optDomain(v, o);
  if (!r) return false;
  const text = o.argv("cmd").join(" ");
  if (v.conn.driver === "test") return v.fail(noSupport("virDomainQemuAgentCommand"));
  const d = r.dom;
  if (!D.isActive(d)) return v.fail(lvErr("OPERATION_INVALID", "Requested operation is not valid: domain is not running"));
  if (!hasAgentChannel(d.def)) return v.fail(lvErr("ARGUMENT_UNSUPPORTED", "argument unsupported: QEMU guest agent is not configured"));
  let msg: { execute?: unknown; arguments?: Record<string, unknown> };
  try {
    msg = JSON.parse(text) as typeof msg;
  } catch {
    return v.fail(lvErr("INTERNAL_ERROR", `internal error: cannot parse json ${text}: lexical error: invalid char in json text.`));
  }
  const cmd = typeof msg.execute === "string" ? msg.execute : "";
  if (!AGENT_COMMANDS.includes(cmd)) return v.fail(lvErr("INTERNAL_ERROR", `internal error: unable to execute QEMU agent command '${cmd}': The command ${cmd} has not been found`));
  const ret = reply(v, d.def, cmd, msg.arguments);
  if (cmd === "guest-shutdown") {
    v.mutateDomain(d, (dd, c) => D.shutoffState(c, dd, "shutdown"));
    return true;
  }
  const body = { return: ret };
  v.print((o.bool("pretty") ? JSON.stringify(body, null, 2) : JSON.stringify(body)) + "\n");
  return true;
};
