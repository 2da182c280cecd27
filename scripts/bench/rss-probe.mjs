// Preloaded into a measured process (node --import): reports its peak RSS (KiB) to the file in LPIC3_RSS_OUT.
import { appendFileSync } from "node:fs";

const target = process.env.LPIC3_RSS_OUT;
if (target) process.on("exit", () => appendFileSync(target, `${process.resourceUsage().maxRSS}\n`));
