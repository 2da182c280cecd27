// Every virsh command the simulator implements, by name (the rest report the driver lacks the API).
import type { Handler } from "../common";
import { DOMAIN_HANDLERS } from "./domain";
import { DEVICE_HANDLERS } from "./devices";
import { STORAGE_HANDLERS } from "./storage";
import { NETWORK_HANDLERS } from "./network";
import { SNAPSHOT_HANDLERS } from "./snapshot";
import { HOST_HANDLERS } from "./host";
import { EVENT_HANDLERS } from "./events";
import { UNSUPPORTED_HANDLERS } from "./unsupported";
import { MONITOR_HANDLERS } from "./monitor";
import { TUNE_HANDLERS } from "./tune";
import { GUEST_HANDLERS } from "./guest";
import { CHECKPOINT_HANDLERS } from "./checkpoint";
import { qemuAgentCommand } from "../../qemu-system/agent";

export const HANDLERS: Record<string, Handler> = {
  ...UNSUPPORTED_HANDLERS,
  ...DOMAIN_HANDLERS,
  ...DEVICE_HANDLERS,
  ...STORAGE_HANDLERS,
  ...NETWORK_HANDLERS,
  ...SNAPSHOT_HANDLERS,
  ...HOST_HANDLERS,
  ...EVENT_HANDLERS,
  ...MONITOR_HANDLERS,
  ...TUNE_HANDLERS,
  ...GUEST_HANDLERS,
  ...CHECKPOINT_HANDLERS,
  "qemu-agent-command": qemuAgentCommand,
};
