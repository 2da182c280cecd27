// qemu-img's progress output (-p): "    (NN.NN/100%)\r" lines, printed when progress moved by more than a
// minimum step, with QEMU's single-precision arithmetic.
import { fixed } from "./size";

export const progressLine = (pct: number) => `    (${fixed(Math.fround(pct), 2)}/100%)\r`;

/** util/qemu-progress.c's simple printer. */
export class Progress {
  private current = 0;
  private last = 0;
  text = "";
  constructor(
    readonly enabled: boolean,
    private readonly minSkip: number,
  ) {}

  /** qemu_progress_print(delta, max). */
  print(delta: number, max: number): void {
    const cur = Math.fround(max === 0 ? Math.fround(delta) : Math.fround(this.current + Math.fround((Math.fround(delta) / 100) * max)));
    if (cur - this.last > this.minSkip || cur < this.last - this.minSkip || cur === 100 || cur === 0) {
      this.last = cur;
      this.current = cur;
      if (this.enabled) this.text += progressLine(cur);
    }
    this.current = cur;
  }

  end(): void {
    if (this.enabled) this.text += "\n";
  }

  /** What was printed since the last call (progress and messages interleave on stdout). */
  take(): string {
    const t = this.text;
    this.text = "";
    return t;
  }
}
