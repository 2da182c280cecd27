// Test-driver node files that name their objects' XML by file="…" (libvirt's examples/xml/test/testnode.xml).
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { newSession, openWorld } from "../../../app/shell";
import { sh } from "../../../../test/helpers/sim";
import { loadNodeXmlFixture } from "../../fixtures/load";
import { nodeRefPath } from "./node-xml";

const EXAMPLES = resolve(__dirname, "../../../../test/transcripts/virsh/nodes/libvirt-examples");

/** A node loaded from text with its referenced files given in memory (as the loader's readFile sees them). */
function load(node: string, files: Record<string, string>) {
  return loadNodeXmlFixture(node, "/lab/node.xml", undefined, (abs) => files[abs]);
}

describe("test-driver nodes that refer to other files", () => {
  it("resolves file= as testBuildFilename does: absolute as given, else beside the node file", () => {
    expect(nodeRefPath("/a/b/node.xml", "dom.xml")).toBe("/a/b/dom.xml");
    expect(nodeRefPath("/a/b/node.xml", "sub/dom.xml")).toBe("/a/b/sub/dom.xml");
    expect(nodeRefPath("/a/b/node.xml", "/etc/dom.xml")).toBe("/etc/dom.xml");
    expect(nodeRefPath("/node.xml", "dom.xml")).toBe("/dom.xml");
  });

  it("loads libvirt's example node with its domains, networks and pool from their files", () => {
    const { world } = openWorld(join(EXAMPLES, "testnode.xml"));
    const s = newSession(world, { tty: false });
    expect(sh(s, "virsh list --name").stdout).toBe("fv0\nfc4\nfc5\n\n");
    expect(sh(s, "virsh net-list --name").stdout).toBe("default\nprivate\n\n");
    // the pool's <volume file> is dropped: its element is replaced by testpool.xml's root
    expect(sh(s, "virsh vol-list default-pool").stdout).toBe(" Name   Path\n--------------\n\n");
    // the referenced files are in the host's filesystem too, so test:///PATH finds them in the session
    expect(sh(s, `cat ${EXAMPLES}/testdomfv0.xml`).stdout).toBe(readFileSync(join(EXAMPLES, "testdomfv0.xml"), "utf8"));
    expect(sh(s, `virsh -c test://${EXAMPLES}/testnode.xml list --name`).stdout).toBe("fv0\nfc4\nfc5\n\n");
    // measured: the test driver taints fc5 for rawio, its script, a host cdrom, a dtb and a deprecated CPU model
    expect(sh(s, "virsh dominfo fc5").stdout).toContain(
      "Messages:       tainted: running with undesirable elevated privileges\n" +
        "                tainted: network configuration using opaque shell scripts\n" +
        "                tainted: use of host cdrom passthrough\n" +
        "                tainted: custom device tree blob used\n" +
        "                tainted: use of deprecated configuration settings\n" +
        "                deprecated configuration: CPU model Deprecated-Test\n",
    );
  });

  // measured with virsh 9.0 on nodes naming a missing file, a file of the wrong kind and broken XML
  it("fails as the test driver does when a referenced file is missing, of the wrong kind or not XML", () => {
    expect(load(`<node><domain file="missing.xml"/></node>`, {}).issues.map((i) => i.message)).toEqual(["XML error: failed to parse xml document '/lab/missing.xml'"]);
    const net = "<network><name>n</name></network>";
    expect(load(`<node><domain file="n.xml"/></node>`, { "/lab/n.xml": net }).issues.map((i) => i.message)).toEqual(["XML error: expecting root element of 'domain', not 'network'"]);
    expect(load(`<node><domain file="b.xml"/></node>`, { "/lab/b.xml": "<domain><name>x</name" }).issues[0]!.message).toMatch(/^\/lab\/b\.xml:1: /);
    // a volume file inside a pool given inline is read; a missing one fails
    const pool = "<pool type='dir'><name>p</name><target><path>/p</path></target>";
    const ok = load(`<node>${pool}<volume file="v.xml"/></pool></node>`, { "/lab/v.xml": "<volume><name>v1</name><capacity>1000</capacity></volume>" });
    expect(ok.issues).toEqual([]);
    expect(sh(newSession(ok.world!, { tty: false }), "virsh vol-list p").stdout).toContain(" v1     /p/v1\n");
    expect(load(`<node>${pool}<volume file="nov.xml"/></pool></node>`, {}).issues.map((i) => i.message)).toEqual(["XML error: failed to parse xml document '/lab/nov.xml'"]);
  });

  it("prints libxml2's I/O warning before virsh's error for a node file or a file it names", () => {
    const { world } = openWorld(join(EXAMPLES, "testnode.xml"));
    const s = newSession(world, { tty: false });
    sh(s, "mkdir /tmp/n && echo '<node><domain file=\"gone.xml\"/></node>' > /tmp/n/node.xml");
    expect(sh(s, "virsh -c test:///tmp/n/node.xml list")).toEqual({
      stdout: "",
      stderr: 'I/O warning : failed to load external entity "/tmp/n/gone.xml"\nerror: failed to connect to the hypervisor\nerror: XML error: failed to parse xml document \'/tmp/n/gone.xml\'\n',
      exit: 1,
    });
    expect(sh(s, "virsh -c test:///tmp/n/none.xml list").stderr).toBe(
      'I/O warning : failed to load external entity "/tmp/n/none.xml"\nerror: failed to connect to the hypervisor\nerror: XML error: failed to parse xml document \'/tmp/n/none.xml\'\n',
    );
  });
});
