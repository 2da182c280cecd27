// The libguestfs tools (guestfish, guestmount, virt-*) and virt-install.
import type { Tool } from "../../shell/tool";
import { GUESTFISH_TOOL } from "./guestfish";
import { MOUNT_TOOLS } from "./mount";
import { OCAML_TOOLS } from "./ocaml";
import { RESCUE_TOOL } from "./rescue";
import { VIRT_READ_TOOLS } from "./virt";
import { VIRT_INSTALL_TOOL } from "./virt-install";

export const GUESTFS_TOOLS: Tool[] = [GUESTFISH_TOOL, ...VIRT_READ_TOOLS, ...MOUNT_TOOLS, ...OCAML_TOOLS, RESCUE_TOOL, VIRT_INSTALL_TOOL];
