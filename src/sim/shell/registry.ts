// The programs installed on simulated hosts, by name.
import type { Tool } from "./tool";

export class ToolRegistry {
  private byName = new Map<string, Tool>();

  constructor(tools: Tool[] = []) {
    for (const t of tools) this.add(t);
  }

  add(t: Tool): this {
    this.byName.set(t.name, t);
    for (const a of t.aliases ?? []) this.byName.set(a, t);
    return this;
  }

  get(name: string): Tool | undefined {
    return this.byName.get(name);
  }

  names(): string[] {
    return [...this.byName.keys()].sort();
  }
}
