import { describe, expect, it } from "vitest";
import { XL_CMD_TEXTS } from "./cmdtable-texts";
import { fullHelp, helpText, lookupCommand } from "./context";
import { XL_SPECS } from "./table";
import { bitmap, uptimeString } from "./format";
import { parseMemSizeKb } from "./resources";

describe("xl command table", () => {
  it("has a handler for each of xl 4.17's 92 commands and nothing else", () => {
    expect(XL_CMD_TEXTS).toHaveLength(92);
    expect(Object.keys(XL_SPECS)).toEqual(XL_CMD_TEXTS.map((c) => c.name));
    for (const c of XL_CMD_TEXTS) {
      expect(c.desc, c.name).not.toBe("");
      expect(c.name, c.name).toMatch(/^[a-z0-9-]+$/);
    }
  });

  it("looks commands up by exact name or unique prefix", () => {
    expect(lookupCommand("li")?.name).toBe("list");
    expect(lookupCommand("vcpu-l")?.name).toBe("vcpu-list");
    expect(lookupCommand("d")).toBeUndefined();
    expect(lookupCommand("cd-e")?.name).toBe("cd-eject");
    // an exact name wins although it prefixes another command (sched-credit / sched-credit2)
    expect(lookupCommand("sched-credit")?.name).toBe("sched-credit");
    expect(lookupCommand("")).toBeUndefined();
  });

  it("prints help as xl's printf does", () => {
    expect(helpText("pause")).toBe("Usage: xl [-vtTf] pause <Domain>\n\nPause execution of a domain.\n\n");
    expect(helpText("claims")).toBe("Usage: xl [-vtT] claims \n\nList outstanding claim information about all domains.\n\nOptions:\n\n\n");
    expect(helpText("top")).toBe("Usage: xl [-vtT] top \n\nMonitor a host and the domains in real time.\n\n");
    expect(helpText("nope")).toBe('command "nope" not implemented\n');
    expect(fullHelp()).toContain(" pci-assignable-remove \n                     Remove a device from being assignable\n");
  });
});

describe("xl formatting helpers", () => {
  it("prints CPU bitmaps like print_bitmap", () => {
    expect(bitmap(null, 8)).toBe("all");
    expect(bitmap([0, 1, 2, 3, 4, 5, 6, 7], 8)).toBe("all");
    expect(bitmap([], 8)).toBe("none");
    expect(bitmap([2, 3, 4, 5, 6, 7], 8)).toBe("2-7");
    expect(bitmap([0, 2, 3, 6], 8)).toBe("0,2-3,6");
  });

  it("prints uptimes like uptime_to_string", () => {
    expect(uptimeString(4 * 86400 + 3 * 3600 + 6 * 60 + 29, false)).toBe("4 days,  3:06:29");
    expect(uptimeString(86400 + 2 * 3600 + 5 * 60 + 42, false)).toBe("1 day,  2:05:42");
    expect(uptimeString(3 * 3600 + 25 * 60 + 7, false)).toBe(" 3:25:07");
    expect(uptimeString(3 * 3600 + 25 * 60 + 7, true)).toBe(" 3:25");
  });

  it("reads memory sizes in MiB unless suffixed (E10: not KiB as the man page says)", () => {
    expect(parseMemSizeKb("512")).toBe(512 * 1024);
    expect(parseMemSizeKb("512m")).toBe(512 * 1024);
    expect(parseMemSizeKb("2g")).toBe(2 * 1024 * 1024);
    expect(parseMemSizeKb("2G")).toBe(2 * 1024 * 1024);
    expect(parseMemSizeKb("262144k")).toBe(262144);
    expect(parseMemSizeKb("1048576b")).toBe(1024);
    expect(parseMemSizeKb("512MB")).toBe(-1);
    expect(parseMemSizeKb("1.5g")).toBe(-1);
    expect(parseMemSizeKb("12x")).toBe(-1);
  });
});
