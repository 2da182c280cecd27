import { describe, expect, it } from "vitest";
import { cvtnum, fixed, g3, optSize, sizeToStr, strtosz } from "./size";

const v = (s: string) => {
  const r = strtosz(s);
  return r.ok ? r.value : r.code;
};

describe("qemu_strtosz", () => {
  it("parses suffixes, fractions, hex and rounding as QEMU does", () => {
    expect(v("1G")).toBe(1073741824n);
    expect(v("100k")).toBe(102400n);
    expect(v("1.5G")).toBe(1610612736n);
    expect(v("1.1k")).toBe(1126n);
    expect(v("0.0001K")).toBe(0n);
    expect(v("5.G")).toBe(5368709120n);
    expect(v("0x10")).toBe(16n);
    expect(v(" +1G")).toBe(1073741824n);
    expect(v("4096b")).toBe(4096n);
  });
  it("refuses what QEMU refuses", () => {
    for (const s of ["1.5", "1.5b", "0x1.8K", "1k5", "1G ", "1e3", "1KB", "inf", ".5G", "-5", "", "0x", "1_000"]) expect(v(s), s).toBe("EINVAL");
    expect(v("99999999999999999999")).toBe("ERANGE");
    expect(v("16E")).toBe("ERANGE");
  });
  it("words cvtnum and QemuOpts errors", () => {
    expect(cvtnum("image size", "10X")).toEqual({ ok: false, lines: ["Invalid image size specified. You may use k, M, G, T, P or E suffixes for", "kilobytes, megabytes, gigabytes, terabytes, petabytes and exabytes."] });
    expect(cvtnum("image size", "8E")).toEqual({ ok: false, lines: ["Invalid image size specified. Must be between 0 and 9223372036854775807."] });
    expect(optSize("size", "abc")).toMatchObject({ ok: false, message: expect.stringMatching(/^Parameter 'size' expects a non-negative number below 2\^64/) });
    expect(cvtnum("image size", "0x10K")).toMatchObject({ ok: true, value: 16384n, warning: "warning: Using a multiplier suffix on hex numbers is deprecated: 0x10K" });
  });
});

describe("size_to_str and printf rounding", () => {
  it("prints three significant digits with binary units", () => {
    expect(sizeToStr(0)).toBe("0 B");
    expect(sizeToStr(200704)).toBe("196 KiB");
    expect(sizeToStr(197120)).toBe("192 KiB");
    expect(sizeToStr(1610612736)).toBe("1.5 GiB");
    expect(sizeToStr(5570560)).toBe("5.31 MiB");
    expect(sizeToStr(1000)).toBe("0.977 KiB");
    expect(sizeToStr(3238002688)).toBe("3.02 GiB");
    expect(g3(999.9)).toBe("1e+03");
  });
  it("rounds exact binary ties to even like glibc", () => {
    expect(fixed(3.125, 2)).toBe("3.12");
    expect(fixed(0.375, 2)).toBe("0.38");
    expect(fixed(33.333, 2)).toBe("33.33");
  });
});

describe("hex numbers with a suffix", () => {
  it("warn as soon as the suffix is read, even when the rest then fails", () => {
    expect(strtosz("0x1p20")).toEqual({ ok: false, code: "EINVAL", hexSuffix: true });
    const c = cvtnum("image size", "0x1p20");
    expect(c.ok ? [] : c.lines[0]).toBe("warning: Using a multiplier suffix on hex numbers is deprecated: 0x1p20");
    expect(optSize("size", "0x1p3")).toMatchObject({ ok: false, warning: "warning: Using a multiplier suffix on hex numbers is deprecated: 0x1p3" });
    // a hex E is a digit, not the exabyte suffix
    expect(strtosz("0x10E")).toEqual({ ok: true, value: 0x10en, hexSuffix: false });
  });
});
