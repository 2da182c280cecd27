// Every program installed on a simulated host.
import { ToolRegistry } from "../shell/registry";
import type { Tool } from "../shell/tool";
import { FILE_TOOLS } from "./coreutils/files";
import { TEXT_TOOLS, whichTool } from "./coreutils/text";
import { virshTool } from "./virsh/main";
import { XEN_TOOLS } from "./xl/tools";
import { QEMU_SYSTEM_TOOLS } from "./qemu-system/tool";
import { HOST_TOOLS } from "./host/index";
import { GUESTFS_TOOLS } from "./guestfs/index";
import { QEMU_IMAGE_TOOLS } from "./qemu-img/tools";

/** Simulated tools beyond coreutils (virsh, qemu-img, xl ...) register here. */
export const SIM_TOOLS: Tool[] = [virshTool, ...XEN_TOOLS, ...QEMU_SYSTEM_TOOLS, ...QEMU_IMAGE_TOOLS, ...HOST_TOOLS, ...GUESTFS_TOOLS];

export function createRegistry(): ToolRegistry {
  const reg = new ToolRegistry([...FILE_TOOLS, ...TEXT_TOOLS, ...SIM_TOOLS]);
  reg.add(whichTool((name) => reg.get(name)?.path));
  return reg;
}
