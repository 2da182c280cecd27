// Tab completion for virsh: command names, options from the table, and live object names.
import type { Virsh } from "./runtime";

export function completeVirsh(_v: Virsh, _line: string, _interactive: boolean, _args: string[] = []): string[] {
  return [];
}
