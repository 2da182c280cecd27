// Every virsh command the simulator implements, by name (the rest report the driver lacks the API).
import type { Handler } from "../common";
import { DOMAIN_HANDLERS } from "./domain";

export const HANDLERS: Record<string, Handler> = {
  ...DOMAIN_HANDLERS,
};
