// One qemu-img invocation: its output, the world it changes (image files in the host's filesystem), and
// the helpers every subcommand shares (qemu-img's error wording, opening images, saving them).
import { produce } from "immer";
import type { DiskImage } from "../../model/image";
import { hasV2Bitmaps, storeBitmaps, V2_BITMAPS_WARNING, v2BitmapsDropped } from "../../model/image/bitmaps";
import { dirname, resolvePath, stat, writeFile, type Fs } from "../../model/fs";
import type { World } from "../../model/world";
import { err, out, type Chunk, type ToolContext, type ToolResult } from "../../shell/tool";
import { getoptRun, type LongOpt } from "./getopt";
import { helpText } from "./help";
import { processObject, type QemuObject } from "./objects";
import { openChain, type Layer, type OpenOptions } from "./open";

/** Thrown to end a subcommand early with an exit status (caught in the dispatcher, never escapes the tool). */
export class Exit {
  constructor(readonly code: number) {}
}

export interface ParsedArgs {
  opts: { key: string; arg?: string }[];
  operands: string[];
  /** Last value of an option, or undefined. */
  get(key: string): string | undefined;
  has(key: string): boolean;
}

export class Run {
  readonly chunks: Chunk[] = [];
  world: World;
  /** Program name for messages ("qemu-img", or "qemu-io" when that tool uses this class). */
  prog = "qemu-img";
  /** qcow2 files opened read-write: QEMU stores their dirty bitmaps again when it closes them. */
  private readonly rw = new Set<string>();
  /**
   * free_cluster_index of qcow2 files this process wrote: where its next allocation search starts (QEMU
   * skips holes too small for a multi-cluster allocation until something below is freed). Stored files
   * keep 0, as a new process starts from the beginning.
   */
  private readonly cursor = new Map<string, number>();
  /** --image-opts: the option string an image was named by, which open errors quote instead of the name. */
  readonly openLabels = new Map<string, string>();
  /** --object definitions read so far (secrets for encryption options). */
  readonly objects = new Map<string, QemuObject>();

  constructor(readonly ctx: ToolContext) {
    this.world = ctx.world;
  }

  get fs(): Fs {
    return this.world.hosts[this.ctx.host]!.fs;
  }

  get cwd(): string {
    return this.ctx.cwd;
  }

  get nowMs(): number {
    return this.world.clock;
  }

  stdout(text: string): void {
    if (text) this.chunks.push(out(text));
  }

  stderr(text: string): void {
    if (text) this.chunks.push(err(text));
  }

  /** error_report(): "qemu-img: MSG". */
  report(msg: string): void {
    this.stderr(`qemu-img: ${msg}\n`);
  }

  /** error_report() and a failing exit status. */
  fail(msg: string, code = 1): never {
    this.report(msg);
    throw new Exit(code);
  }

  /** An early end of the subcommand with `code` (throw the result). */
  exit(code: number): Exit {
    return new Exit(code);
  }

  /** error_exit(): the message, the --help hint, exit 1. */
  usage(msg: string): never {
    this.stderr(`qemu-img: ${msg}\nTry 'qemu-img --help' for more information\n`);
    throw new Exit(1);
  }

  /** help(): the full help text on stdout, exit 0. */
  help(): never {
    this.stdout(helpText());
    throw new Exit(0);
  }

  /**
   * getopt_long for a subcommand (argv[0] is the subcommand name). Options are handed to `onOption` in the
   * order getopt returns them and -h prints the help at once, so that, as in qemu-img, whatever comes first
   * on the command line wins; option errors end the run with qemu-img's wording.
   */
  getopt(argv: string[], spec: string, longs: LongOpt[], onOption?: (o: { key: string; arg?: string }) => void): ParsedArgs {
    const r = getoptRun(argv, spec, longs);
    for (const o of r.options) {
      if (o.key === "h") this.help();
      if (o.key === "object") processObject(this, o.arg ?? "");
      onOption?.(o);
    }
    if (r.kind === "error") {
      if (r.code === ":") this.usage(`missing argument for option '${r.word}'`);
      this.usage(`unrecognized option '${r.word}'`);
    }
    const opts = r.options;
    return {
      opts,
      operands: r.operands,
      get: (k) => {
        for (let i = opts.length - 1; i >= 0; i--) if (opts[i]!.key === k) return opts[i]!.arg ?? "";
        return undefined;
      },
      has: (k) => opts.some((o) => o.key === k),
    };
  }

  /** Open an image and its chain; on failure print qemu-img's message and exit with `code`. */
  open(name: string, o: OpenOptions = {}, code = 1): Layer[] {
    const r = this.tryOpen(name, o);
    if (!r.ok) {
      for (const w of r.warnings) this.stderr(w);
      this.fail(r.message, code);
    }
    return r.chain;
  }

  tryOpen(name: string, o: OpenOptions = {}) {
    const r = openChain({ fs: this.fs, cwd: this.cwd }, name, o);
    const label = this.openLabels.get(name);
    if (!r.ok) return label !== undefined ? { ...r, message: `Could not open '${label}': ${r.bare}` } : r;
    r.chain = r.chain.map((l) => (l.image.layout?.next ? { ...l, image: { ...l.image, layout: { ...l.image.layout, next: 0 } } } : l));
    // a v2 file still naming bitmaps: QEMU warns and ignores them; a read-write open rewrites the header
    r.chain = r.chain.map((l, depth) => {
      if (!l.native || !hasV2Bitmaps(l.image)) return l;
      this.stderr(`${this.prog}: ${V2_BITMAPS_WARNING}`);
      const image = v2BitmapsDropped(l.image);
      if (depth === 0 && o.write) this.saveImage(l.abs, image);
      return { ...l, image };
    });
    if (o.write && r.chain[0]!.native && r.chain[0]!.image.format === "qcow2") this.rw.add(r.chain[0]!.abs);
    return r;
  }

  exists(path: string): boolean {
    return stat(this.fs, resolvePath(this.cwd, path)) !== undefined;
  }

  parentExists(path: string): boolean {
    const abs = resolvePath(this.cwd, path);
    const parent = stat(this.fs, dirname(abs));
    return parent?.kind === "dir";
  }

  /** Store an image in a file (creating or replacing it), keeping the file's other attributes. */
  saveImage(absOrRel: string, image: DiskImage): void {
    const abs = resolvePath(this.cwd, absOrRel);
    if (image.format === "qcow2" && image.qcow2?.bitmaps.length) this.rw.add(abs);
    if (image.layout?.next) {
      this.cursor.set(abs, image.layout.next);
      image = { ...image, layout: { ...image.layout, next: 0 } };
    } else this.cursor.delete(abs);
    const mtime = Math.floor(this.world.clock / 1000);
    this.world = produce(this.world, (w) => {
      const fs = w.hosts[this.ctx.host]!.fs;
      const old = stat(fs, abs);
      writeFile(fs, abs, "", { mtime, image: image as DiskImage, ...(old?.kind === "file" ? { mode: old.mode } : {}) });
      const node = stat(fs, abs);
      if (node?.kind === "file" && old?.kind === "file" && old.lock) node.lock = old.lock;
    });
  }

  /** Update the stored image behind an opened layer. */
  saveLayer(layer: Layer, image: DiskImage): void {
    this.saveImage(layer.abs, image);
  }

  /** Close the images: bitmaps of qcow2 files opened read-write are stored again. */
  private close(): void {
    for (const abs of this.rw) {
      const node = stat(this.fs, abs);
      if (node?.kind !== "file" || !node.image?.qcow2?.bitmaps.length || !node.image.layout) continue;
      const next = this.cursor.get(abs) ?? 0;
      this.saveImage(abs, storeBitmaps({ ...node.image, layout: { ...node.image.layout, next } }));
    }
    this.rw.clear();
  }

  result(code: number): ToolResult {
    this.close();
    return { exit: code, out: this.chunks, ...(this.world !== this.ctx.world ? { world: this.world } : {}) };
  }
}

/** Map a qemu-img exit for thrown Exit values. */
export function runGuarded(run: Run, fn: () => number): ToolResult {
  try {
    return run.result(fn());
  } catch (e) {
    if (e instanceof Exit) return run.result(e.code);
    throw e;
  }
}
