// virsh's event-watching commands (event, net-event, pool-event, nodedev-event, secret-event): the lists of
// event names, the option checks, and a watch that sees nothing (no other client changes a simulated host
// while the command waits), ending when its --timeout runs out.
import { optDomain, optNetwork, optNum, optPool, type Handler } from "../common";
import type { Opts } from "../parse";
import type { Virsh } from "../runtime";

const DOMAIN_EVENTS = [
  "lifecycle", "reboot", "rtc-change", "watchdog", "io-error", "graphics", "io-error-reason", "control-error", "block-job", "disk-change", "tray-change", "pm-wakeup", "pm-suspend",
  "balloon-change", "pm-suspend-disk", "device-removed", "block-job-2", "tunable", "agent-lifecycle", "device-added", "migration-iteration", "job-completed", "device-removal-failed",
  "metadata-change", "block-threshold", "memory-failure", "memory-device-size-change",
];

function watch(v: Virsh, o: Opts, names: string[], missing: string, lookup: ((v: Virsh, o: Opts) => boolean) | undefined, all: boolean): boolean {
  if (o.has("list")) {
    v.print(names.map((n) => `${n}\n`).join(""));
    return true;
  }
  const ev = o.strQuiet("event");
  if (ev !== undefined) {
    if (!names.includes(ev)) {
      v.error(`unknown event type ${ev}`);
      return false;
    }
  } else if (!all) {
    v.error(missing);
    return false;
  }
  const raw = o.raw("timeout");
  const t = optNum(v, o, "timeout", "int");
  if (t === null) return false;
  if (t !== undefined && t < 1) {
    v.error(`Numeric value '${raw}' for <timeout> option is malformed or out of range`);
    return false;
  }
  if (lookup && !lookup(v, o)) return false;
  if (t !== undefined) v.print("event loop timed out\n");
  v.print("events received: 0\n");
  // virsh succeeds only when some event arrived
  return false;
}

const has = (name: string, fn: (v: Virsh, o: Opts) => unknown) => (v: Virsh, o: Opts) => (o.has(name) ? !!fn(v, o) : true);

export const EVENT_HANDLERS: Record<string, Handler> = {
  event: (v, o) => watch(v, o, DOMAIN_EVENTS, "one of --list, --all, or --event <type> is required", has("domain", (vv, oo) => optDomain(vv, oo)), o.has("all")),
  "net-event": (v, o) => watch(v, o, ["lifecycle"], "either --list or --event <type> is required", has("network", (vv, oo) => optNetwork(vv, oo)), false),
  "pool-event": (v, o) => watch(v, o, ["lifecycle", "refresh"], "either --list or --event <type> is required", has("pool", (vv, oo) => optPool(vv, oo)), false),
  "nodedev-event": (v, o) => watch(v, o, ["lifecycle", "update"], "either --list or --event <type> is required", undefined, false),
  "secret-event": (v, o) => watch(v, o, ["lifecycle", "value-changed"], "either --list or --event <type> is required", undefined, false),
};
