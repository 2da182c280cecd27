// XML parsing with libxml2's error wording and libvirt-style formatting.
import { describe, expect, it } from "vitest";
import { formatXml, parseXml, scanXml, syntaxErrorText } from "./xml";

describe("libvirt XML", () => {
  it("reports the first error the way libxml2 and libvirt's catchXMLError do", () => {
    const e = scanXml("<domain type='test'>\n  <name>x</name>\n")!;
    expect(syntaxErrorText(e, "domain_definition")).toBe("(domain_definition):3: Premature end of data in tag domain line 1\n(null)\n^");
    expect(scanXml("<a>\n</b>\n")).toMatchObject({ line: 2, message: "Opening and ending tag mismatch: a line 1 and b", context: "</b>", pointer: "----^" });
    expect(scanXml("<a x=1/>")?.message).toBe(`AttValue: " or ' expected`);
    expect(scanXml("<a>&b</a>")?.message).toBe("EntityRef: expecting ';'");
    expect(scanXml("")?.message).toBe("Document is empty");
    expect(scanXml("hello")?.message).toBe("Start tag expected, '<' not found");
    expect(scanXml("<a/>\n<b/>")?.message).toBe("Extra content at the end of the document");
    expect(scanXml("<a x='1' x='2'/>")?.message).toBe("Attribute x redefined");
    expect(scanXml("<?xml version='1.0'?><a><!-- c --><b>t &amp; u</b></a>")).toBeNull();
  });

  it("formats with two-space indent, single quotes and escaped text", () => {
    const r = parseXml(`<a x="1"><b>it's &lt;x&gt;</b><c/></a>`);
    if (!("root" in r)) throw new Error("parse");
    expect(formatXml(r.root)).toBe("<a x='1'>\n  <b>it&apos;s &lt;x&gt;</b>\n  <c/>\n</a>\n");
  });
});
