// The Xen programs installed on a Dom0: xl, xentop, the xenstore-* clients and the xen-tools scripts.
import type { Tool } from "../../shell/tool";
import { xentopTool } from "../xentop/index";
import { XENSTORE_TOOLS } from "../xenstore/index";
import { xlTool } from "./index";
import { XEN_TOOLS_SCRIPTS } from "../xen-tools/index";

export const XEN_TOOLS: Tool[] = [xlTool, xentopTool, ...XENSTORE_TOOLS, ...XEN_TOOLS_SCRIPTS];
