import { describe, expect, it } from "vitest";
import { parseDiskSpec, vdevName, vdevNumber } from "./disk-spec";
import { parseVifRate, parseVifSpec } from "./vif-spec";

const one = (s: string) => parseDiskSpec("F", [s]);

describe("disk specification (xl-disk-configuration)", () => {
  it("reads the equivalent positional and key=value forms", () => {
    for (const s of ["/dev/vg/guest-volume,,hda", "/dev/vg/guest-volume,raw,hda,rw", "format=raw, vdev=hda, access=rw, target=/dev/vg/guest-volume", "raw:/dev/vg/guest-volume,hda,w", "phy:/dev/vg/guest-volume,hda,w"]) {
      const r = one(s);
      expect(r.ok, s).toBe(true);
      expect(r.disk).toMatchObject({ pdevPath: "/dev/vg/guest-volume", vdev: "hda", format: "raw", readwrite: true, isCdrom: false });
    }
  });

  it("reads CD-ROM forms, including an empty drive", () => {
    for (const s of ["/root/image.iso,,hdc,cdrom", "file:/root/image.iso,hdc:cdrom,r", "format=raw,vdev=hdc,access=ro,devtype=cdrom,target=/root/image.iso"]) {
      expect(one(s).disk, s).toMatchObject({ pdevPath: "/root/image.iso", vdev: "hdc", isCdrom: true, readwrite: false, removable: true });
    }
    expect(one(",hdc:cdrom,r").disk).toMatchObject({ pdevPath: "", vdev: "hdc", format: "empty", isCdrom: true });
    expect(one("vdev=hdc,access=r,devtype=cdrom").disk).toMatchObject({ vdev: "hdc", format: "empty", isCdrom: true });
  });

  it("rejects what xl rejects, with xl's words", () => {
    expect(one("/dev/vg/x,xvda,w").messages).toEqual(["F: config parsing error in disk specification: unknown value for format: near `xvda' in `/dev/vg/x,xvda,w'\n"]);
    expect(one("target=/x").messages).toEqual(["F: config parsing error in disk specification: no vdev specified in `target=/x'\n"]);
    expect(one("foo=bar,xvda").messages).toEqual(["F: config parsing error in disk specification: unknown parameter: near `foo=b' in `foo=bar,xvda'\n"]);
    expect(one("phy:/x,xvda,w,extra").messages).toEqual(["F: config parsing error in disk specification: too many positional parameters: near `extra' in `phy:/x,xvda,w,extra'\n"]);
    expect(one("xyz:/x,xvda").messages).toEqual(["F: config parsing error in disk specification: unknown deprecated disk prefix: near `xyz:' in `xyz:/x,xvda'\n"]);
    expect(one("phy:/x,xvda,rx").messages).toEqual(["F: config parsing error in disk specification: unknown value for access: near `rx' in `phy:/x,xvda,rx'\n"]);
    expect(one("vdev=xvda").messages).toEqual(["F: config parsing error in disk specification: no target specified (and device not removable) in `vdev=xvda'\n"]);
  });

  it("lets target= swallow the rest of the string", () => {
    expect(one("vdev=xvdc,target=/x,foo=1").disk.pdevPath).toBe("/x,foo=1");
  });

  it("maps vdev names to device numbers and back", () => {
    expect([vdevNumber("xvda"), vdevNumber("xvdb"), vdevNumber("xvdc"), vdevNumber("hda"), vdevNumber("hdb"), vdevNumber("hdc"), vdevNumber("sda"), vdevNumber("sdb")]).toEqual([51712, 51728, 51744, 768, 832, 5632, 2048, 2064]);
    expect(vdevNumber("xvdq")).toBe((1 << 28) | (16 << 8));
    expect(vdevNumber("xvda0")).toBe(-1);
    expect(vdevNumber("bogus")).toBe(-1);
    expect([vdevName(51712), vdevName(51728), vdevName(768), vdevName(5632)]).toEqual(["xvda", "xvdb", "hda", "hdc"]);
  });
});

describe("vif specification (xl-network-configuration)", () => {
  it("reads keys and warns about unknown ones", () => {
    const r = parseVifSpec("mac=00:16:3e:5f:47:2a, bridge=xenbr1,model=e1000,foo=bar", "F", { bridge: "xenbr0" });
    expect(r.nic).toMatchObject({ mac: "00:16:3e:5f:47:2a", bridge: "xenbr1", model: "e1000" });
    expect(r.messages).toEqual(["unrecognized argument `foo=bar'\n"]);
    expect(parseVifSpec("mac=00:16:3e:zz:47:2a", "F", {}).messages).toEqual(["Invalid parameter `mac'.\n"]);
    expect(parseVifSpec("type=xen", "F", {}).messages).toEqual(["Invalid parameter `type'.\n"]);
  });

  it("converts rates to bytes per interval", () => {
    expect(parseVifRate("F", "10Mb/s")).toEqual({ bytes: 62500, usecs: 50000 });
    expect(parseVifRate("F", "1MB/s@20ms")).toEqual({ bytes: 20000, usecs: 20000 });
    expect(parseVifRate("F", "10Mbit")).toEqual({ messages: ["F: config parsing error in vif: invalid rate in `10Mbit'\n"] });
  });
});
