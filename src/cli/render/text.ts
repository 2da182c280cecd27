// Measuring and wrapping text that may hold ANSI colour codes.

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

export const stripAnsi = (s: string) => s.replace(ANSI, "");

/** Columns a string takes on screen (ANSI codes take none; East Asian wide characters take two). */
export function visibleWidth(s: string): number {
  let w = 0;
  for (const ch of stripAnsi(s)) {
    const c = ch.codePointAt(0)!;
    w += c >= 0x1100 && (c <= 0x115f || (c >= 0x2e80 && c <= 0xa4cf) || (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) || (c >= 0xff00 && c <= 0xff60) || (c >= 0x1f300 && c <= 0x1faff)) ? 2 : 1;
  }
  return w;
}

export const padEnd = (s: string, width: number) => s + " ".repeat(Math.max(0, width - visibleWidth(s)));

/** Greedy word wrap to `width` columns; the first line may be prefixed differently from the rest. */
export function wrap(text: string, width: number, firstPrefix = "", restPrefix = firstPrefix): string[] {
  const words = text.split(/ +/).filter((w) => w.length > 0);
  const lines: string[] = [];
  let cur = firstPrefix;
  let curW = visibleWidth(firstPrefix);
  let empty = true;
  for (const w of words) {
    const ww = visibleWidth(w);
    if (!empty && curW + 1 + ww > width) {
      lines.push(cur);
      cur = restPrefix + w;
      curW = visibleWidth(restPrefix) + ww;
    } else {
      cur += (empty ? "" : " ") + w;
      curW += (empty ? 0 : 1) + ww;
    }
    empty = false;
  }
  lines.push(cur);
  return lines;
}
