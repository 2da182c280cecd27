// --object QOM-TYPE,id=ID,... (user_creatable_process_cmdline): qemu-img checks each definition while it
// reads its options and stops at the first bad one. Secrets are remembered for the encryption options.
import type { Run } from "./run";

/** What `--object help` lists: the object types qemu-img can create. */
const CREATABLE = ["authz-list", "authz-list-file", "authz-simple", "main-loop", "pr-manager-helper", "secret", "secret_keyring", "thread-context", "throttle-group", "tls-cipher-suites", "tls-creds-anon", "tls-creds-psk", "tls-creds-x509"];

/** The QAPI ObjectType names, and the parameters a definition of each must carry. */
const TYPES: Record<string, string[]> = {
  "authz-list": [],
  "authz-listfile": ["filename"],
  "authz-pam": ["service"],
  "authz-simple": [],
  "can-bus": [],
  "can-host-socketcan": ["if"],
  "colo-compare": ["primary_in"],
  "cryptodev-backend": [],
  "cryptodev-backend-builtin": [],
  "cryptodev-backend-lkcf": [],
  "cryptodev-vhost-user": ["chardev"],
  "dbus-vmstate": ["addr"],
  "filter-buffer": ["netdev"],
  "filter-dump": ["netdev"],
  "filter-mirror": ["netdev"],
  "filter-redirector": ["netdev"],
  "filter-replay": ["netdev"],
  "filter-rewriter": ["netdev"],
  "input-barrier": ["name"],
  "input-linux": ["evdev"],
  iothread: [],
  "main-loop": [],
  "memory-backend-epc": ["size"],
  "memory-backend-file": ["size"],
  "memory-backend-memfd": ["size"],
  "memory-backend-ram": ["size"],
  "pef-guest": [],
  "pr-manager-helper": [],
  qtest: ["chardev"],
  "rng-builtin": [],
  "rng-egd": ["chardev"],
  "rng-random": [],
  "s390-pv-guest": [],
  secret: [],
  secret_keyring: [],
  "sev-guest": ["reduced-phys-bits"],
  "thread-context": [],
  "throttle-group": [],
  "tls-cipher-suites": [],
  "tls-creds-anon": [],
  "tls-creds-psk": [],
  "tls-creds-x509": [],
  "x-remote-object": ["fd"],
  "x-vfio-user-server": ["socket"],
};
/** QAPI names whose QOM type is spelled differently. */
const QOM_NAME: Record<string, string> = { "authz-listfile": "authz-list-file" };
const SECRET_PROPS = ["data", "file", "format", "iv", "keyid"];

export interface QemuObject {
  type: string;
  id: string;
  props: Map<string, string>;
}

const fail = (run: Run, msg: string): never => {
  run.report(msg);
  throw run.exit(1);
};

/** Parse, check and record one --object definition (exits like qemu-img on errors and on help). */
export function processObject(run: Run, arg: string): void {
  // keyval syntax: the first item may be the bare type; ",," escapes a comma
  const items = arg.replace(/,,/g, "\0").split(",");
  const props = new Map<string, string>();
  let help = false;
  items.forEach((raw, i) => {
    const item = raw.replace(/\0/g, ",");
    const eq = item.indexOf("=");
    if (eq < 0) {
      if (item === "help" || item === "?") help = true;
      else if (i === 0 && item !== "") props.set("qom-type", item);
      else if (item === "") fail(run, "Invalid parameter ''");
      else fail(run, `Expected '=' after parameter '${item}'`);
      return;
    }
    const key = item.slice(0, eq);
    if (key === "") fail(run, "Invalid parameter ''");
    props.set(key, item.slice(eq + 1));
  });
  const type = props.get("qom-type");
  if (help) {
    if (type === "secret") run.stdout(`secret options:\n${SECRET_PROPS.map((p) => `  ${p}=<${p === "format" ? "QCryptoSecretFormat" : "string"}>`).join("\n")}\n`);
    else run.stdout(`List of user creatable objects:\n${CREATABLE.map((t) => `  ${t}\n`).join("")}`);
    throw run.exit(0);
  }
  if (type === undefined) fail(run, "Parameter 'qom-type' is missing");
  if (!(type! in TYPES)) fail(run, `Parameter 'qom-type' does not accept value '${type}'`);
  const id = props.get("id");
  if (id === undefined) fail(run, "Parameter 'id' is missing");
  if (!/^[A-Za-z][A-Za-z0-9._-]*$/.test(id!)) fail(run, "Parameter 'id' expects an identifier\nIdentifiers consist of letters, digits, '-', '.', '_', starting with a letter.");
  if (type === "secret") {
    for (const k of props.keys()) if (k !== "qom-type" && k !== "id" && !SECRET_PROPS.includes(k)) fail(run, `Parameter '${k}' is unexpected`);
    const format = props.get("format");
    if (format !== undefined && format !== "raw" && format !== "base64") fail(run, `Parameter 'format' does not accept value '${format}'`);
  }
  for (const need of TYPES[type!]!) if (!props.has(need)) fail(run, `Parameter '${need}' is missing`);
  if (!CREATABLE.includes(QOM_NAME[type!] ?? type!)) fail(run, `invalid object type: ${type}`);
  if (run.objects.has(id!)) fail(run, `attempt to add duplicate property '${id}' to object (type 'container')`);
  if (type === "secret") {
    const keyid = props.get("keyid");
    if (!props.has("data") && !props.has("file")) fail(run, "Either 'file' or 'data' must be provided");
    if (props.has("file")) {
      const f = props.get("file")!;
      if (!run.exists(f)) fail(run, `Unable to read ${f}: Failed to open file “${f}”: No such file or directory`);
    }
    if (keyid !== undefined) {
      const key = run.objects.get(keyid);
      if (!key || key.type !== "secret") fail(run, `No secret with id '${keyid}'`);
      if ((key!.props.get("data") ?? "").length !== 32) fail(run, "Key should be 32 bytes in length");
    }
  }
  run.objects.set(id!, { type: type!, id: id!, props });
}

/** The secret an encryption option names: its text, or the error qemu-img prints. */
export function secretOf(run: Run, id: string): { ok: true; data: string } | { ok: false; message: string } {
  const o = run.objects.get(id);
  if (!o || o.type !== "secret") return { ok: false, message: `No secret with id '${id}'` };
  return { ok: true, data: o.props.get("data") ?? "" };
}
