// xl console: checks its options and the domain, then hands the terminal to the guest's console.
import { domainById } from "../../model/xen/state";
import { libxlLog } from "../../model/xen/transitions";
import { last, type XlCtx, type ParsedOpts } from "./context";
import { consoleProgram } from "./console";

export function xlConsole(ctx: XlCtx, p: ParsedOpts): number {
  const type = last(p, "t");
  for (const o of p.opts) {
    if (o.key === "t" && !["pv", "serial", "vuart"].includes(o.arg ?? "")) {
      ctx.err("console type supported are: pv, serial, vuart\n");
      return 1;
    }
  }
  const domid = ctx.findDomain(p.args[0]!);
  if (domid === 0) {
    ctx.err("Can't specify Domain-0\n");
    return 22;
  }
  const d = domainById(ctx.xen, domid);
  if (!d) {
    ctx.err(libxlLog("error", "libxl_dom.c", 37, "libxl__domain_type", `unable to get domain type for domid=${domid}`));
    ctx.err("Unable to attach console\n");
    return 1;
  }
  const num = Number(last(p, "n") ?? "0") || 0;
  if ((type === "serial" && d.type !== "hvm") || type === "vuart" || num > 0) {
    ctx.err(`xenconsole: Could not read tty from store: No such file or directory\n`);
    return 1;
  }
  ctx.interactive = consoleProgram(ctx.hostName, domid, ctx.tool.tty);
  return 0;
}
