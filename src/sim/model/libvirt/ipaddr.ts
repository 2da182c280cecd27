// IPv4/IPv6 addresses as libvirt's virSocketAddr handles them: numeric parsing, canonical formatting
// (inet_ntop), prefixes from netmasks, and the checks virSocketAddrGetRange makes on DHCP ranges.

export interface IpAddr {
  family: 4 | 6;
  value: bigint;
}

export function parseIp(s: string): IpAddr | undefined {
  const t = s.trim();
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(t)) {
    const parts = t.split(".").map(Number);
    if (parts.some((p) => p > 255)) return undefined;
    return { family: 4, value: parts.reduce((a, p) => a * 256n + BigInt(p), 0n) };
  }
  if (!t.includes(":") || !/^[0-9a-fA-F:.]+$/.test(t)) return undefined;
  let head = t;
  let v4: bigint[] = [];
  const lastColon = t.lastIndexOf(":");
  if (t.slice(lastColon + 1).includes(".")) {
    const a = parseIp(t.slice(lastColon + 1));
    if (!a || a.family !== 4) return undefined;
    v4 = [a.value >> 16n, a.value & 0xffffn];
    head = t[lastColon - 1] === ":" ? t.slice(0, lastColon + 1) : t.slice(0, lastColon);
  }
  const dbl = head.split("::");
  if (dbl.length > 2) return undefined;
  const grp = (x: string) => (x === "" ? [] : x.split(":"));
  const left = grp(dbl[0]!);
  const right = dbl.length === 2 ? grp(dbl[1]!) : [];
  if ([...left, ...right].some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  const want = 8 - v4.length;
  let groups: bigint[];
  if (dbl.length === 2) {
    const fill = want - left.length - right.length;
    if (fill < 1) return undefined;
    groups = [...left.map((g) => BigInt(`0x${g}`)), ...Array<bigint>(fill).fill(0n), ...right.map((g) => BigInt(`0x${g}`))];
  } else {
    if (left.length !== want) return undefined;
    groups = left.map((g) => BigInt(`0x${g}`));
  }
  groups = [...groups, ...v4];
  return { family: 6, value: groups.reduce((a, g) => (a << 16n) + g, 0n) };
}

/** inet_ntop: dotted quad, or RFC 5952 IPv6 (longest run of two or more zero groups as "::"). */
export function formatIp(a: IpAddr): string {
  if (a.family === 4) return [24n, 16n, 8n, 0n].map((s) => String((a.value >> s) & 255n)).join(".");
  const g: number[] = [];
  for (let i = 7; i >= 0; i--) g.push(Number((a.value >> BigInt(i * 16)) & 0xffffn));
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(":");
  if (best < 0) return hex(g);
  return `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
}

/** The prefix of an <ip> element: prefix=, else the netmask's bits, else the classful default. */
export function ipPrefix(attrs: Record<string, string | undefined>): number {
  if (attrs.prefix !== undefined && Number(attrs.prefix) > 0) return Number(attrs.prefix);
  const mask = attrs.netmask ? parseIp(attrs.netmask) : undefined;
  if (mask && mask.family === 4) {
    let n = 0;
    for (let b = 31; b >= 0 && (mask.value >> BigInt(b)) & 1n; b--) n++;
    return n;
  }
  const addr = attrs.address ? parseIp(attrs.address) : undefined;
  if (!addr) return 0;
  if (addr.family === 6) return addr.value === 0n ? 0 : 64;
  if (addr.value === 0n) return 0;
  const octet = Number(addr.value >> 24n);
  return (octet & 0x80) === 0 ? 8 : (octet & 0xc0) === 0x80 ? 16 : (octet & 0xe0) === 0xc0 ? 24 : -1;
}

const bits = (a: IpAddr) => (a.family === 4 ? 32n : 128n);
const maskOf = (a: IpAddr, prefix: number) => ((1n << bits(a)) - 1n) ^ ((1n << (bits(a) - BigInt(prefix))) - 1n);

/** virSocketAddrGetRange's checks of a DHCP range inside network/prefix: an error message, or undefined. */
export function checkRange(start: IpAddr, end: IpAddr, net: IpAddr, prefix: number): string | undefined {
  const s = formatIp(start);
  const e = formatIp(end);
  const n = formatIp(net);
  if (start.family !== end.family) return `mismatch of address family in range ${s} - ${e}`;
  if (start.family !== net.family) return `mismatch of address family in range ${s} - ${e} for network ${n}`;
  if (prefix < 0 || BigInt(prefix) > bits(net)) return `bad prefix ${prefix} for network ${n} when checking range ${s} - ${e}`;
  const m = maskOf(net, prefix);
  if ((start.value & m) !== (net.value & m) || (end.value & m) !== (net.value & m)) return `range ${s} - ${e} is not entirely within network ${n}/${prefix}`;
  if (start.family === 4) {
    const netaddr = net.value & m;
    const bcast = netaddr | (((1n << 32n) - 1n) ^ m);
    if (start.value === netaddr) return `start of range ${s} - ${e} in network ${n}/${prefix} is the network address`;
    if (end.value === bcast) return `end of range ${s} - ${e} in network ${n}/${prefix} is the broadcast address`;
    if (start.value >> 16n !== end.value >> 16n) return `range ${s} - ${e} is too large (> 65535)`;
    if (end.value < start.value) return `range ${s} - ${e} is reversed `;
    return undefined;
  }
  if (start.value >> 16n !== end.value >> 16n) return `range ${s} - ${e} is too large (> 65535)`;
  if (end.value < start.value) return `range ${s} - ${e} start larger than end`;
  return undefined;
}
