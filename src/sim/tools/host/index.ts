// The host-facts and host-network programs: lscpu, lsmod, modprobe, virt-host-validate, ip, bridge, brctl, tunctl, ps, kill.
import type { Tool } from "../../shell/tool";
import "../../model/net/providers";
import { BRIDGE_UTILS_TOOLS } from "./brctl";
import { IP_TOOLS } from "./ip";
import { PROC_TOOLS } from "./ps";
import { SYSINFO_TOOLS } from "./sysinfo";

export const HOST_TOOLS: Tool[] = [...IP_TOOLS, ...BRIDGE_UTILS_TOOLS, ...SYSINFO_TOOLS, ...PROC_TOOLS];
