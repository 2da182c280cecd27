// qemu-img bench: a read or write benchmark; the simulator reports what the run would do and writes the
// pattern when asked to (-w), since later commands can see those writes.
import { writeImage } from "../../model/image/io";
import { imageOpts } from "./info";
import type { Run } from "./run";
import { cvtnum } from "./size";

export function benchCommand(run: Run, argv: string[]): number {
  let count = 75000;
  let depth = 64;
  let bufSize = 4096;
  let step: number | undefined;
  let offset = 0;
  let pattern = 0;
  let flushInterval = 0;
  const a = run.getopt(
    argv,
    ":hc:d:f:ni:o:qs:S:t:wU",
    [
      { name: "help", arg: "none", key: "h" },
      { name: "flush-interval", arg: "required", key: "flush-interval" },
      { name: "image-opts", arg: "none", key: "image-opts" },
      { name: "pattern", arg: "required", key: "pattern" },
      { name: "no-drain", arg: "none", key: "no-drain" },
      { name: "force-share", arg: "none", key: "U" },
    ],
    (o) => {
      const num = (what: string, max = 2 ** 31 - 1) => {
        const v = o.arg!;
        if (!/^(0x[0-9a-f]+|0[0-7]*|[1-9]\d*)$/i.test(v) || Number(v) > max) {
          run.report(what);
          throw run.exit(1);
        }
        return Number(v);
      };
      const size = (what: string) => {
        const c = cvtnum(what, o.arg!);
        if (!c.ok) {
          for (const l of c.lines) run.report(l);
          throw run.exit(1);
        }
        return Number(c.value);
      };
      if (o.key === "c") count = num("Invalid request count specified");
      if (o.key === "d") depth = num("Invalid queue depth specified");
      if (o.key === "i" && !["threads", "native", "io_uring"].includes(o.arg!)) {
        run.report(`Invalid aio option: ${o.arg}`);
        throw run.exit(1);
      }
      if (o.key === "o") offset = size("offset");
      if (o.key === "s") bufSize = size("buffer size");
      if (o.key === "S") step = size("step_size");
      if (o.key === "t" && !["none", "off", "writeback", "writethrough", "directsync", "unsafe"].includes(o.arg!)) {
        run.report("Invalid cache mode");
        throw run.exit(1);
      }
      if (o.key === "pattern") {
        const v = o.arg!;
        if (!/^\d+$/.test(v) || Number(v) > 255) {
          run.report("Invalid pattern byte specified");
          throw run.exit(1);
        }
        pattern = Number(v);
      }
      if (o.key === "flush-interval") flushInterval = num("Invalid flush interval specified");
    },
  );
  const write = a.has("w");
  if (flushInterval && !write) return run.fail("--flush-interval is only available in write tests");
  if (flushInterval && flushInterval < depth) return run.fail("Flush interval can't be smaller than depth");
  if (a.operands.length !== 1) run.usage("Expecting one image file name");
  let file = a.operands[0]!;
  let fmt = a.get("f");
  if (a.has("image-opts")) ({ name: file, format: fmt } = imageOpts(run, file, fmt));
  const chain = run.open(file, { ...(fmt !== undefined ? { format: fmt } : {}), write, forceShare: a.has("U") });
  const layer = chain[0]!;
  const stepSize = step ?? bufSize;
  run.stdout(`Sending ${count} ${write ? "write" : "read"} requests, ${bufSize} bytes each, ${depth} in parallel (starting at offset ${offset}, step size ${stepSize})\n`);
  const size = layer.image.virtualSize;
  if (write && bufSize > 0 && depth > 0) {
    let img = layer.image;
    const below = chain.slice(1).map((l) => l.image);
    const seen = new Set<number>();
    for (let i = 0; i < Math.min(count, 4096); i++) {
      let off = offset + i * stepSize;
      if (size > 0) off %= size;
      if (seen.has(off)) break;
      seen.add(off);
      img = writeImage([img, ...below], off, Math.min(bufSize, size - off), { kind: "data", pat: pattern });
    }
    run.saveLayer(layer, img);
  }
  run.stdout(`Run completed in ${(count * 0.0000012).toFixed(3)} seconds.\n`);
  return 0;
}
