// Peer address parsing shared by the HTTP (BEP 3/7/23) and UDP (BEP 15) codecs. Pure.
// RELIABILITY T24: bad entries are skipped, never dialled: port 0 or 1, 0.0.0.0,
// 255.255.255.255, 224.0.0.0/4 multicast, :: and ff00::/8; hostnames in dict peers are skipped
// too (dialling them would need DNS for an address a stranger chose).

import { formatIPv4, formatIPv6, parseIPv4, parseIPv6, parseIPv6Text } from '../core/ip.ts';
import type { PeerAddress } from './types.ts';

// Re-exported: the codecs and their tests import the address helpers from here.
export { formatIPv4, formatIPv6, parseIPv4, parseIPv6, parseIPv6Text };

/** Bytes per compact peer: 4 + 2 (BEP 23) and 16 + 2 (BEP 7). */
export const COMPACT_V4 = 6;
export const COMPACT_V6 = 18;

/** Collects peers with the T24 filter, de-duplicated, up to `cap`. */
export class PeerCollector {
  readonly peers: PeerAddress[] = [];
  private readonly seen = new Set<string>();
  /** Entries dropped as bad (for a tracker warning in the UI and for tests). */
  skipped = 0;

  constructor(private readonly cap: number) {}

  get full(): boolean {
    return this.peers.length >= this.cap;
  }

  add(host: string, port: number): void {
    if (this.full) return;
    if (!Number.isInteger(port) || port < 2 || port > 65535) {
      this.skipped++;
      return;
    }
    const key = `${host}|${port}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.peers.push({ host, port });
  }

  /** BEP 23 / BEP 7 compact strings; a trailing partial entry is skipped (T24). */
  addCompact(bytes: Uint8Array, width: typeof COMPACT_V4 | typeof COMPACT_V6): void {
    const whole = bytes.length - (bytes.length % width);
    if (whole !== bytes.length) this.skipped++;
    for (let o = 0; o < whole && !this.full; o += width) {
      const addr = bytes.subarray(o, o + width - 2);
      const port = (bytes[o + width - 2]! << 8) | bytes[o + width - 1]!;
      const host = width === COMPACT_V4 ? formatIPv4(addr) : formatIPv6(addr);
      if (host === null) this.skipped++;
      else this.add(host, port);
    }
  }

  /** A dict-model peer's `ip` text (BEP 3): only IP literals are accepted. */
  addText(ip: string, port: number): void {
    const v4 = parseIPv4(ip);
    const host = v4 ? formatIPv4(v4) : parseIPv6Text(ip);
    if (host === null) this.skipped++;
    else this.add(host, port);
  }
}
