// qemu-img create (img_create + bdrv_img_create): options, sizes, backing files, the "Formatting" line
// and each driver's refusals, in the order QEMU checks them.
import { produce } from "immer";
import type { DiskImage } from "../../model/image";
import { resolvePath, dirname, removeNode, stat, writeFile } from "../../model/fs";
import { createImage, FORMATS } from "../../model/image/formats";
import { combinePath } from "./open";
import { formatOptions, hasHelpOption, modelOptions, optionDescs, parseOptions, printCreateHelp, reparseWarnings, validOptionList } from "./opts";
import type { Run } from "./run";
import { cvtnum } from "./size";

/** -o values given several times are joined with commas (accumulate_options). */
export function accumulate(run: Run, prev: string | undefined, arg: string): string {
  if (!validOptionList(arg)) run.fail(`Invalid option list: ${arg}`);
  return prev === undefined ? arg : `${prev},${arg}`;
}

/** print_block_option_help(). */
export function optionHelp(run: Run, fmt: string, filename: string | undefined): number {
  if (!FORMATS[fmt]) run.fail(`Unknown file format '${fmt}'`);
  if (!FORMATS[fmt]!.create) run.fail(`Format driver '${fmt}' does not support image creation`);
  run.stdout(printCreateHelp(fmt, filename !== undefined));
  return 0;
}

export interface CreateRequest {
  filename: string;
  fmt: string;
  options?: string;
  size?: bigint;
  backingFile?: string;
  backingFmt?: string;
  /** -u: do not open the backing file */
  noBackingOpen?: boolean;
  quiet?: boolean;
}

/**
 * bdrv_img_create(): validates, prints "Formatting ...", creates the file. Returns an error message (to be
 * printed as "qemu-img: FILE: MSG") or undefined on success.
 */
export function imgCreate(run: Run, r: CreateRequest): string | undefined {
  const drv = FORMATS[r.fmt];
  if (!drv) return `Unknown file format '${r.fmt}'`;
  if (!drv.create) return `Format driver '${r.fmt}' does not support image creation`;
  const descs = optionDescs(r.fmt, true);
  const parsed = parseOptions(r.options ?? "", descs);
  if (!parsed.ok) {
    for (const w of parsed.warnings ?? []) run.report(w);
    return parsed.message;
  }
  for (const w of parsed.warnings) run.report(w);
  if (!parsed.values.has("size")) {
    if (r.size !== undefined) {
      parsed.values.set("size", String(r.size));
      parsed.numbers.set("size", r.size);
    }
  } else if (r.size !== undefined) return "The image size must be specified only once";
  const hasBackingOpt = descs.some((d) => d.name === "backing_file");
  if (r.backingFile !== undefined) {
    if (!hasBackingOpt) return `Backing file not supported for file format '${r.fmt}'`;
    parsed.values.set("backing_file", r.backingFile);
  }
  if (r.backingFmt !== undefined) {
    if (!descs.some((d) => d.name === "backing_fmt")) return `Backing file format not supported for file format '${r.fmt}'`;
    parsed.values.set("backing_fmt", r.backingFmt);
  }
  const backing = parsed.values.get("backing_file");
  const backingFmt = parsed.values.get("backing_fmt");
  if (backing !== undefined) {
    if (backing === r.filename) return "Error: Trying to create an image with the same filename as the backing file";
    if (backing === "") return "Expected backing file name, got empty string";
  }
  if (backing !== undefined && !r.noBackingOpen) {
    const full = combinePath(r.filename, backing);
    const o = run.tryOpen(full, { ...(backingFmt !== undefined ? { format: backingFmt } : {}), forceShare: true });
    if (!o.ok) return `${o.bare}\nCould not open backing image.\n`;
    if (backingFmt === undefined) return `Backing file specified without backing format\nDetected format of ${o.chain[0]!.format}.`;
    if (!parsed.numbers.has("size")) {
      const vs = BigInt(o.chain[0]!.image.virtualSize);
      parsed.values.set("size", String(vs));
      parsed.numbers.set("size", vs);
    }
  } else if (backing !== undefined && backingFmt === undefined) return "Backing file specified without backing format";
  if (!parsed.numbers.has("size")) return "Image creation needs a size parameter";

  if (!r.quiet) run.stdout(`Formatting '${r.filename}', fmt=${r.fmt} ${formatOptions(descs, parsed)}\n`);

  // the driver parses the options again: raw before its protocol creates the file, the others after
  const rewarn = () => {
    for (const w of reparseWarnings(r.fmt, parsed, descs)) run.report(w);
  };
  if (r.fmt === "raw") rewarn();
  // the protocol layer creates the file first
  if (r.filename === "") return "Could not create '': No such file or directory";
  const abs = resolvePath(run.cwd, r.filename);
  const parent = stat(run.fs, dirname(abs));
  if (!parent || parent.kind !== "dir") return `Could not create '${r.filename}': No such file or directory`;
  const existing = stat(run.fs, abs);
  if (existing?.kind === "dir") return `Could not create '${r.filename}': Is a directory`;
  if (existing?.kind === "file" && existing.lock) return `Failed to get "write" lock\nIs another process using the image [${r.filename}]?`;
  const size = Number(parsed.numbers.get("size")!);
  const opts = modelOptions(parsed, descs);
  // qcow2 and luks delete what they made when the format layer fails (bdrv_co_delete_file_noerr)
  const deletesOnFailure = r.fmt === "qcow2" || r.fmt === "luks";
  // qcow2: the protocol layer creates the external data file next, by its name as given (not relative to the image)
  const dataFile = r.fmt === "qcow2" ? opts.data_file : undefined;
  if (dataFile !== undefined) {
    const why = dataFile === "" ? "No such file or directory" : creatable(run, dataFile);
    if (why) {
      if (existing?.kind === "file") removeFile(run, abs);
      return `Could not create '${dataFile}': ${why}`;
    }
  }
  if (r.fmt !== "raw") rewarn();
  const vmdkErr = vmdkBackingError(run, r.fmt, r.filename, backing);
  if (vmdkErr) return vmdkErr;
  const slash = r.filename.lastIndexOf("/");
  const res = createImage({
    format: r.fmt,
    virtualSize: size,
    options: opts,
    ...(backing !== undefined ? { backingFile: backing } : {}),
    ...(backingFmt !== undefined ? { backingFormat: backingFmt } : {}),
    seed: run.nowMs + run.world.seq,
    fileName: r.filename.slice(slash + 1),
    secrets: secretIds(run),
  });
  if ("error" in res) {
    if (deletesOnFailure && !res.error.beforeFile) {
      if (existing?.kind === "file") removeFile(run, abs);
      if (dataFile !== undefined && stat(run.fs, resolvePath(run.cwd, dataFile))?.kind === "file") removeFile(run, resolvePath(run.cwd, dataFile));
    }
    if (res.error.leavesEmptyFile) writeEmpty(run, abs);
    if (res.error.efbig) return `The image size is too large for file format '${r.fmt}'${descs.some((d) => d.name === "cluster_size") ? " (try using a larger cluster size)" : ""}`;
    return res.error.message;
  }
  run.saveImage(abs, res.image);
  for (const [name, img] of Object.entries(res.extraFiles ?? {})) run.saveImage(resolvePath(dirname(abs), name), img);
  // the data file is grown to the virtual size (allocated as the preallocation mode asks)
  if (dataFile !== undefined) {
    const raw = createImage({ format: "raw", virtualSize: size, options: opts.preallocation !== undefined ? { preallocation: opts.preallocation } : {} });
    if ("image" in raw) run.saveImage(resolvePath(run.cwd, dataFile), raw.image);
  }
  return undefined;
}

/** Why the protocol layer cannot create `name` (undefined when it can). */
function creatable(run: Run, name: string): string | undefined {
  const abs = resolvePath(run.cwd, name);
  const parent = stat(run.fs, dirname(abs));
  if (!parent || parent.kind !== "dir") return "No such file or directory";
  if (stat(run.fs, abs)?.kind === "dir") return "Is a directory";
  return undefined;
}

function removeFile(run: Run, abs: string) {
  run.world = produce(run.world, (w) => {
    removeNode(w.hosts[run.ctx.host]!.fs, abs);
  });
}

/** The ids of the secrets --object defined. */
export const secretIds = (run: Run) => [...run.objects.values()].filter((o) => o.type === "secret").map((o) => o.id);

/** vmdk_co_do_create(): a vmdk's backing file must itself be a vmdk. */
export function vmdkBackingError(run: Run, fmt: string, filename: string, backing: string | undefined): string | undefined {
  if (fmt !== "vmdk" || backing === undefined) return undefined;
  const b = run.tryOpen(combinePath(filename, backing), { forceShare: true, noBacking: true });
  if (b.ok && b.chain[0]!.format !== "vmdk") return "backing_file must be a vmdk image";
  return undefined;
}

function writeEmpty(run: Run, abs: string) {
  const mtime = Math.floor(run.nowMs / 1000);
  run.world = produce(run.world, (w) => {
    writeFile(w.hosts[run.ctx.host]!.fs, abs, "", { mtime, image: { format: "raw", virtualSize: 0, fileLength: 0, allocated: 0, data: [] } as DiskImage });
  });
}

export function createCommand(run: Run, argv: string[]): number {
  const a = run.getopt(argv, ":F:b:f:ho:qu", [
    { name: "help", arg: "none", key: "h" },
    { name: "object", arg: "required", key: "object" },
  ]);
  let options: string | undefined;
  for (const o of a.opts) if (o.key === "o") options = accumulate(run, options, o.arg!);
  const fmt = a.get("f") ?? "raw";
  const filename = a.operands[0];
  if (options !== undefined && hasHelpOption(options)) return optionHelp(run, fmt, filename);
  if (filename === undefined) run.usage("Expecting image file name");
  let size: bigint | undefined;
  if (a.operands.length > 1) {
    const c = cvtnum("image size", a.operands[1]!);
    if (!c.ok) {
      for (const l of c.lines) run.report(l);
      return 1;
    }
    if (c.warning) run.report(c.warning);
    size = c.value;
  }
  if (a.operands.length > 2) run.usage(`Unexpected argument: ${a.operands[2]}`);
  const e = imgCreate(run, {
    filename,
    fmt,
    ...(options !== undefined ? { options } : {}),
    ...(size !== undefined ? { size } : {}),
    ...(a.get("b") !== undefined ? { backingFile: a.get("b")! } : {}),
    ...(a.get("F") !== undefined ? { backingFmt: a.get("F")! } : {}),
    noBackingOpen: a.has("u"),
    quiet: a.has("q"),
  });
  if (e !== undefined) {
    run.stderr(`qemu-img: ${filename}: ${e}${e.endsWith("\n") || e.includes("Detected format") ? "" : "\n"}`);
    return 1;
  }
  return 0;
}
