// IP address bytes ⇄ text, shared by the tracker codecs (BEP 7/23), PEX (BEP 11) and the engine.
// Pure. The formatters return null for addresses that must never be dialled (RELIABILITY T24).

/** Dotted quad for a dialable unicast IPv4 address, or null. */
export function formatIPv4(b: Uint8Array): string | null {
  if (b.length !== 4) return null;
  const [a, b1, c, d] = [b[0]!, b[1]!, b[2]!, b[3]!];
  if (a === 0 || a >= 224) return null; // 0.0.0.0/8, multicast 224/4, reserved 240/4, broadcast
  return `${a}.${b1}.${c}.${d}`;
}

export function parseIPv4(s: string): Uint8Array | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return null;
    const v = Number(p);
    if (v > 255) return null;
    out[i] = v;
  }
  return out;
}

/** RFC 5952 text for a dialable IPv6 address (IPv4-mapped ones become dotted quads), or null. */
export function formatIPv6(b: Uint8Array): string | null {
  if (b.length !== 16) return null;
  if (b[0] === 0xff) return null; // multicast
  if (b.every((x) => x === 0)) return null; // unspecified
  const mapped = b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
  if (mapped) return formatIPv4(b.subarray(12));
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((b[i]! << 8) | b[i + 1]!);
  // Longest run (≥ 2) of zero groups becomes "::" (RFC 5952 §4.2).
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(':');
  if (bestAt < 0) return hex(g);
  return `${hex(g.slice(0, bestAt))}::${hex(g.slice(bestAt + bestLen))}`;
}

/** Parses IPv6 text (optionally in brackets) into canonical form, or null. */
export function parseIPv6Text(s: string): string | null {
  const bytes = parseIPv6(s.startsWith('[') && s.endsWith(']') ? s.slice(1, -1) : s);
  return bytes ? formatIPv6(bytes) : null;
}

export function parseIPv6(s: string): Uint8Array | null {
  if (s.length > 45 || !/^[0-9a-fA-F:.]+$/.test(s)) return null;
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const groups = (part: string): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    const items = part.split(':');
    for (let i = 0; i < items.length; i++) {
      const it = items[i]!;
      if (i === items.length - 1 && it.includes('.')) {
        const v4 = parseIPv4(it);
        if (!v4) return null;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(it)) out.push(Number.parseInt(it, 16));
      else return null;
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return null;
  const fill = 8 - head.length - tail.length;
  if (halves.length === 1 ? fill !== 0 : fill < 1) return null;
  const all = [...head, ...new Array<number>(halves.length === 2 ? fill : 0).fill(0), ...tail];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  return out;
}

/** Loopback, RFC 1918, link-local, CGNAT, unique-local: targets a redirect may not smuggle us to. */
export function isLocalHost(hostname: string): boolean {
  const h = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  const v4 = parseIPv4(h);
  if (v4) {
    const [a, b] = [v4[0]!, v4[1]!];
    return (
      a === 127 ||
      a === 10 ||
      a === 0 ||
      (a === 172 && b >= 16 && b < 32) ||
      (a === 192 && b === 168) ||
      (a === 169 && b === 254) ||
      (a === 100 && b >= 64 && b < 128)
    );
  }
  const v6 = parseIPv6(h);
  if (!v6) return false;
  if (v6.subarray(0, 15).every((x) => x === 0)) return true; // ::1 and ::
  if ((v6[0]! & 0xfe) === 0xfc || (v6[0] === 0xfe && (v6[1]! & 0xc0) === 0x80)) return true;
  const mapped = v6.subarray(0, 10).every((x) => x === 0) && v6[10] === 0xff && v6[11] === 0xff;
  return mapped && isLocalHost(`${v6[12]}.${v6[13]}.${v6[14]}.${v6[15]}`);
}
