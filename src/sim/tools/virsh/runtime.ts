// One virsh process: its options, its connection, its output, and the world it changes.
import { current, isDraft, original, produce } from "immer";
import { resolvePath, stat, type Fs } from "../../model/fs";
import type { World } from "../../model/world";
import { EXTERNAL_DRIVERS, resolveUri, type Resolved } from "../../model/libvirt/connect";
import { syncHostFiles } from "../../model/libvirt/files";
import { lookupDomain } from "../../model/libvirt/domains";
import type { Domain, LibvirtConn, LibvirtHost, LvError } from "../../model/libvirt/types";
import type { Chunk, ToolContext } from "../../shell/tool";
import { uuidFor, macFor } from "../../model/world";

/** What an `*-edit` command asks of the editor step (see editStep in main.ts). */
export interface EditRequestSpec {
  suffix: string;
  content: string;
  /** The edited text came back: define it; false when the command failed. */
  apply(edited: string): boolean;
  /**
   * The editor failed (its error already reported, as vshEditFile does): the command's own cleanup message, e.g.
   * snapshot-edit's 'Failed to update NAME'.
   */
  editorFailed?(): void;
  /** virsh's exit status to use instead of 0/1 (a command that crashes real virsh, exit 139). */
  exit?: number;
}

export class Virsh {
  world: World;
  out: Chunk[] = [];
  quiet = false;
  readonly = false;
  timing = false;
  /** -d / --debug: messages of this level and above are shown (0 debug, 1 info; 3 by default). */
  debug = 3;
  /** -k/-K given: the connection must support keepalive (the test driver does not). */
  keepaliveForced = false;
  /** -k: seconds between keepalive messages (virsh's default 5; 0 disables keepalive). */
  keepaliveInterval = 5;
  /** The error a failed libvirt call left (vshReportError prints it when the command fails). */
  lastError: LvError | undefined;
  uri: string | undefined;
  private res: Resolved | undefined;
  /** A private connection (test:///default, other test files) lives only as long as this process. */
  private local: LibvirtConn | undefined;
  /** virsh's working directory (its `cd` changes it in interactive mode). */
  cwd: string;
  /** Set by `edit`-style commands: text to open in the learner's editor and what to do with the result. */
  editRequest: EditRequestSpec | undefined;

  constructor(
    readonly ctx: ToolContext,
    world: World,
  ) {
    this.world = world;
    this.cwd = ctx.cwd;
  }

  // ------------------------------------------------------------ output

  print(text: string) {
    if (text) this.out.push({ fd: 1, text });
  }

  /** vshPrintExtra: suppressed by -q. */
  printExtra(text: string) {
    if (!this.quiet && text) this.out.push({ fd: 1, text });
  }

  /** vshDebug: a trace line on stdout when -d asks for its level. */
  debugMsg(level: number, text: string) {
    if (level >= this.debug) this.out.push({ fd: 1, text });
  }

  /** vshError: "error: MESSAGE" on stderr. */
  error(message: string) {
    this.out.push({ fd: 2, text: `error: ${message}\n` });
  }

  /** Remember a libvirt error for vshReportError; returns false so handlers can `return v.fail(e)`. */
  fail(e: LvError): false {
    this.lastError = e;
    return false;
  }

  reportError() {
    if (this.lastError) this.error(this.lastError.message);
    this.lastError = undefined;
  }

  // ------------------------------------------------------------ connection

  connect(uri: string): LvError | undefined {
    const r = resolveUri(this.world, this.ctx.host, uri);
    if ("code" in r) {
      if (r.warning) this.out.push({ fd: 2, text: r.warning });
      return r;
    }
    // virshConnect asks for keepalive only with a positive interval (-k 0 turns it off)
    if (this.keepaliveForced && this.keepaliveInterval > 0 && r.conn.driver === "test") {
      this.error("Cannot setup keepalive on connection as requested, disconnecting");
      return { code: "NO_SUPPORT", message: "this function is not supported by the connection driver: virConnectSetKeepAlive" };
    }
    // the test driver has no keepalive: virsh notes it and carries on
    if (r.conn.driver === "test" && this.keepaliveInterval > 0) this.debugMsg(1, "Failed to setup keepalive on connection\n");
    this.res = r;
    this.uri = uri;
    this.local = r.kind === "local" ? r.conn : undefined;
    return undefined;
  }

  get connected(): boolean {
    return this.res !== undefined;
  }

  /** The host that serves the connection (host2 for qemu+ssh://host2/system). */
  get hostName(): string {
    return this.res?.host ?? this.ctx.host;
  }

  get conn(): LibvirtConn {
    if (!this.res) throw new Error("virsh: not connected");
    if (this.res.kind === "local") return this.local!;
    const lv = this.world.hosts[this.res.host]!.subsystems.libvirt as LibvirtHost;
    return lv.conns[this.res.key]!;
  }

  get fs(): Fs {
    return this.world.hosts[this.ctx.host]!.fs;
  }

  get now(): number {
    return this.world.clock;
  }

  /** Ids for new objects come from the world's counter so runs repeat exactly. */
  freshUuid = (): string => {
    const u = uuidFor(this.world.seq);
    this.world = { ...this.world, seq: this.world.seq + 1 };
    return u;
  };

  freshMac = (): string => {
    const m = macFor(this.world.seq);
    this.world = { ...this.world, seq: this.world.seq + 1 };
    return m;
  };

  /**
   * Apply a transition to the connection (and, for real hosts, the serving host's filesystem). When the
   * transition returns an LvError nothing changes.
   */
  mutate<T>(fn: (c: LibvirtConn, fs: Fs | undefined) => T): T {
    const r = this.res!;
    if (r.kind === "local") {
      let result!: T;
      let bad = false;
      const before = this.local!;
      const next = produce(before, (d) => {
        result = detach(fn(d, undefined));
        bad = isErr(result);
      });
      if (!bad) this.local = next;
      const ext = r.external ? EXTERNAL_DRIVERS[r.external] : undefined;
      if (!bad && ext && next !== before) {
        this.world = ext.commit(this.world, r.host, before, next);
        this.local = ext.view(this.world, r.host) ?? next;
      }
      return result;
    }
    let result!: T;
    let bad = false;
    const next = produce(this.world, (w) => {
      const h = w.hosts[r.host]!;
      const c = (h.subsystems.libvirt as LibvirtHost).conns[r.key]!;
      result = detach(fn(c, c.files ? h.fs : undefined));
      bad = isErr(result);
      if (!bad && c.files) syncHostFiles(h.fs, c, Math.floor(w.clock / 1000), r.host);
    });
    if (!bad) this.world = next;
    return result;
  }

  /** Change one domain (found again inside the draft by UUID). */
  mutateDomain<T>(dom: Domain, fn: (d: Domain, c: LibvirtConn, fs: Fs | undefined) => T): T {
    return this.mutate((c, fs) => {
      // look the domain up in the base array: touching every element of a draft would draft them all
      const i = (original(c.domains) ?? c.domains).findIndex((x) => x.uuid === dom.uuid);
      const d = c.domains[i]!;
      // definitions are immutable trees that transitions replace whole: hand them over as plain objects, so
      // reading them does not create a draft proxy for every element
      const base = original(d);
      if (base) {
        d.def = { ...base.def };
        if (base.newDef) d.newDef = { ...base.newDef };
      }
      return fn(d, c, fs);
    });
  }

  /** Write a file on the local host (save images, edit temp files). */
  writeLocalFile(path: string, content: string) {
    this.world = produce(this.world, (w) => {
      const fs = w.hosts[this.ctx.host]!.fs;
      const now = Math.floor(w.clock / 1000);
      const real = resolvePath(this.cwd, path);
      fs[real] = { kind: "file", mode: 0o600, owner: this.ctx.user, group: this.ctx.user, mtime: now, content };
    });
  }

  readLocalFile(path: string): { text: string } | { errno: string } {
    const real = resolvePath(this.cwd, path);
    const n = stat(this.fs, real);
    if (!n) return { errno: "No such file or directory" };
    if (n.kind === "dir") return { errno: "Is a directory" };
    if (n.kind !== "file") return { errno: "No such file or directory" };
    return { text: n.content };
  }

  absPath(path: string): string {
    return resolvePath(this.cwd, path);
  }

  lookupDomain(key: string): Domain | undefined {
    return lookupDomain(this.conn, key);
  }
}

const isErr = (x: unknown) => typeof x === "object" && x !== null && "code" in x && "message" in x && Object.keys(x).length === 2;

/** Results that leave a transition must not be live drafts. */
function detach<T>(x: T): T {
  return isDraft(x) ? (current(x as object) as T) : x;
}
