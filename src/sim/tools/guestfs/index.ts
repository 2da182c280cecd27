// The libguestfs tools (guestfish, guestmount, virt-*) and virt-install.
import type { Tool } from "../../shell/tool";
import { GUESTFISH_TOOL } from "./guestfish";

export const GUESTFS_TOOLS: Tool[] = [GUESTFISH_TOOL];
