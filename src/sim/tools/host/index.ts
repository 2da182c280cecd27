// The host-facts and host-network programs: lscpu, lsmod, modprobe, virt-host-validate, ip, bridge, brctl, tunctl, ps, kill.
import type { Tool } from "../../shell/tool";
import { BRIDGE_UTILS_TOOLS } from "./brctl";
import { IP_TOOLS } from "./ip";

export const HOST_TOOLS: Tool[] = [...IP_TOOLS, ...BRIDGE_UTILS_TOOLS];
