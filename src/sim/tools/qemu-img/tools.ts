// The disk image programs of a KVM host: qemu-img and qemu-io.
import type { Tool } from "../../shell/tool";
import { qemuImg } from "./index";
import { qemuIo } from "../qemu-io/index";

export const QEMU_IMAGE_TOOLS: Tool[] = [qemuImg, qemuIo];
