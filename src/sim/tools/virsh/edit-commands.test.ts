// snapshot-edit, checkpoint-edit and save-image-edit through the editor step, against the lab2 test-driver
// node; expected texts measured with real virsh 9.0 (EDITOR=true / false / sed -i …, stdin not a terminal).
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { newSession, openWorld, runScript } from "../../../app/shell";
import type { EditOutcome } from "../../shell/tool";

const NODE = join(__dirname, "../../../../test/transcripts/virsh/nodes/lab2-node.xml");
const TMP = "/tmp/virshAb12Cd.xml";

function run(editor: (text: string) => EditOutcome, line: string) {
  const s = newSession(openWorld(NODE).world, { tty: false, editor: (content) => editor(content) });
  return runScript(s, line + "\n")[0]!;
}
const sed = (a: string, b: string) => (t: string): EditOutcome => ({ kind: "edited", text: t.split(a).join(b) });
const same = (t: string): EditOutcome => ({ kind: "edited", text: t });
const fails = (): EditOutcome => ({ kind: "exit", argv: ["false", TMP], status: 1 });

describe("virsh *-edit commands", () => {
  it("snapshot-edit", () => {
    let r = run(same, "virsh 'snapshot-create-as mail01 s1; snapshot-edit mail01 s1'");
    expect([r.stdout, r.stderr, r.exit]).toEqual(["Domain snapshot s1 created\nSnapshot s1 XML configuration not changed.\n\n", "", 0]);
    r = run(same, "virsh 'snapshot-create-as mail01 s1; snapshot-edit mail01 s1 --current'");
    expect(r.stdout).toBe("Domain snapshot s1 created\nSnapshot s1 edited.\n\n");
    r = run(fails, "virsh 'snapshot-create-as mail01 s1; snapshot-edit mail01 s1'");
    expect([r.stdout, r.stderr, r.exit]).toEqual(["Domain snapshot s1 created\n\n", `error: internal error: Child process (false ${TMP}) unexpected exit status 1\nerror: Failed to update s1\n`, 1]);
    r = run(sed("running", "paused"), "virsh 'snapshot-create-as mail01 s1; snapshot-edit mail01 s1; snapshot-dumpxml mail01 s1 --xpath //state'");
    expect([r.stdout, r.stderr, r.exit]).toEqual(["Domain snapshot s1 created\nSnapshot s1 edited.\n\n<state>paused</state>\n\n", "", 0]);
    r = run(sed("s1", "s2"), "virsh 'snapshot-create-as mail01 s1; snapshot-edit mail01 s1 --rename'");
    expect([r.stdout, r.stderr, r.exit]).toEqual(["Domain snapshot s1 created\n\n", "error: unsupported flags (0x2) in function testDomainSnapshotDelete\nerror: Failed to clean up s1\nerror: Failed to update s1\n", 1]);
    r = run(sed("s1", "s2"), "virsh 'snapshot-create-as mail01 s1; snapshot-edit mail01 s1 --clone; snapshot-list mail01 --name'");
    expect([r.stdout, r.stderr, r.exit]).toEqual(["Domain snapshot s1 created\nSnapshot s1 cloned to s2.\n\ns1\ns2\n\n", "", 0]);
    r = run(sed("domainsnapshot", "zzz"), "virsh 'snapshot-create-as mail01 s1; snapshot-edit mail01 s1'");
    expect([r.stdout, r.stderr, r.exit]).toEqual(["Domain snapshot s1 created\n", "error: Failed.\n", 139]);
    r = run(same, "virsh snapshot-edit mail01 --current");
    expect([r.stderr, r.exit]).toEqual(["error: Domain snapshot not found: the domain does not have a current snapshot\n", 1]);
    r = run(same, "virsh snapshot-edit mail01 s1 --rename --clone");
    expect(r.stderr).toBe("error: Options --rename and --clone are mutually exclusive\n");
  });

  it("checkpoint-edit", () => {
    let r = run(same, "virsh 'checkpoint-create-as mail01 c1; checkpoint-edit mail01 c1'");
    expect([r.stdout, r.stderr, r.exit]).toEqual(["Domain checkpoint c1 created\nCheckpoint c1 XML configuration not changed.\n\n", "", 0]);
    r = run(fails, "virsh 'checkpoint-create-as mail01 c1; checkpoint-edit mail01 c1'");
    expect(r.stderr).toBe(`error: internal error: Child process (false ${TMP}) unexpected exit status 1\nerror: Failed to update c1\n`);
    r = run(sed("c1", "c2"), "virsh 'checkpoint-create-as mail01 c1; checkpoint-edit mail01 c1; checkpoint-list mail01 --name'");
    expect([r.stdout, r.stderr]).toEqual(["Domain checkpoint c1 created\n\nc1\n\n", "error: Cannot rename checkpoint c1 to c2\nerror: Failed to update c1\n"]);
    r = run(same, "virsh checkpoint-edit mail01 nosuch");
    expect(r.stderr).toBe("error: Domain checkpoint not found: no domain checkpoint with matching name 'nosuch'\n");
  });

  it("save-image-edit", () => {
    let r = run(sed("destroy", "restart"), "virsh 'save mail01 m.save; save-image-edit m.save; save-image-dumpxml m.save --xpath //on_poweroff'");
    expect([r.stdout, r.stderr, r.exit]).toEqual(["\nDomain 'mail01' saved to m.save\n\nState file m.save edited.\n\n<on_poweroff>restart</on_poweroff>\n\n", "", 0]);
    r = run(same, "virsh 'save mail01 m.save; save-image-edit m.save'");
    expect(r.stdout).toBe("\nDomain 'mail01' saved to m.save\n\nSaved image m.save XML configuration not changed.\n\n");
    r = run(fails, "virsh 'save mail01 m.save; save-image-edit m.save'");
    expect([r.stderr, r.exit]).toEqual([`error: internal error: Child process (false ${TMP}) unexpected exit status 1\n`, 1]);
    r = run(sed("domain", "zzz"), "virsh 'save mail01 m.save; save-image-edit m.save'");
    expect([r.stdout, r.stderr, r.exit]).toEqual(["\nDomain 'mail01' saved to m.save\n\nState file m.save edited.\n\n", "error: Failed.\n", 0]);
  });
});
