// BEP 11 ut_pex messages, carried in BEP 10 extended messages with the id the peer gave for
// "ut_pex". The payload is a bencoded dict of compact peer strings:
//   added / dropped     IPv4, 6 bytes each (4 address + 2 port, network order)
//   added6 / dropped6   IPv6, 18 bytes each
//   added.f / added6.f  one flag byte per added peer (0x01 prefers encryption, 0x02 seed or
//                       upload-only, 0x04 uTP, 0x08 ut_holepunch, 0x10 reachable/outgoing)
// BEP 11 says a message carries at most 50 added and 50 dropped peers; RELIABILITY X52 saw 10,000,
// so we read at most MAX_PEX_PEERS of each and never look at the rest. Bad entries are skipped as
// tracker peers are (RELIABILITY T24): a trailing partial entry, port 0 or 1, 0.0.0.0/8, multicast,
// 240/4 and broadcast, ::, ff00::/8. A flags string of the wrong length is ignored, not trusted.
// Message rate (about one a minute) is the caller's to enforce.

import { encode, isBytes } from '../bencode/index.ts';
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from '../core/ip.ts';
import { decodeDict } from './extension.ts';

/** Peers taken from one message (µTorrent/Azureus convention, libtorrent max_pex_peers). */
export const MAX_PEX_PEERS = 50;
/** BEP 11 flag bits. */
export const PexFlag = {
  ENCRYPTION: 0x01,
  SEED: 0x02,
  UTP: 0x04,
  HOLEPUNCH: 0x08,
  REACHABLE: 0x10,
} as const;
const MAX_TOKENS = 64;
const MAX_DEPTH = 2;

/** A dialable address: IPv4 dotted quad or RFC 5952 IPv6 text, as the tracker codecs produce. */
export interface PexPeer {
  host: string;
  port: number;
  /** BEP 11 flags, when the peer sent a well-formed flags string. */
  flags?: number;
}

export interface PexMessage {
  added: PexPeer[];
  dropped: PexPeer[];
}

export interface DecodedPex extends PexMessage {
  /** Entries refused as bad (for peer scoring and tests); entries beyond the cap are not counted. */
  skipped: number;
}

/** Decodes a ut_pex payload; throws PEER_PROTOCOL only if it is not a small bencoded dict. */
export function decodePex(payload: Uint8Array): DecodedPex {
  const { dict } = decodeDict(payload, MAX_DEPTH, MAX_TOKENS, false, 'ut_pex');
  const out: DecodedPex = { added: [], dropped: [], skipped: 0 };
  const field = (k: string): Uint8Array | undefined => {
    const v = dict.get(k);
    return isBytes(v) ? v : undefined;
  };
  readCompact(out, out.added, field('added'), field('added.f'), 6);
  readCompact(out, out.added, field('added6'), field('added6.f'), 18);
  readCompact(out, out.dropped, field('dropped'), undefined, 6);
  readCompact(out, out.dropped, field('dropped6'), undefined, 18);
  return out;
}

function readCompact(
  out: DecodedPex,
  into: PexPeer[],
  bytes: Uint8Array | undefined,
  flags: Uint8Array | undefined,
  width: 6 | 18,
): void {
  if (!bytes) return;
  const count = Math.floor(bytes.length / width);
  if (count * width !== bytes.length) out.skipped++;
  const flagsOk = flags !== undefined && flags.length === count;
  const seen = new Set(into.map((p) => `${p.host}|${p.port}`));
  for (let i = 0; i < count && into.length < MAX_PEX_PEERS; i++) {
    const o = i * width;
    const host = width === 6 ? formatIPv4(bytes.subarray(o, o + 4)) : formatIPv6(bytes.subarray(o, o + 16));
    const port = (bytes[o + width - 2]! << 8) | bytes[o + width - 1]!;
    const key = `${host}|${port}`;
    if (host === null || port < 2 || seen.has(key)) {
      out.skipped++;
      continue;
    }
    seen.add(key);
    into.push(flagsOk ? { host, port, flags: flags[i]! } : { host, port });
  }
}

/** Encodes a payload; takes the first MAX_PEX_PEERS of each list. Hosts must be IP literals. */
export function encodePex(m: PexMessage): Uint8Array {
  const v4 = { added: [] as Uint8Array[], addedF: [] as number[], dropped: [] as Uint8Array[] };
  const v6 = { added: [] as Uint8Array[], addedF: [] as number[], dropped: [] as Uint8Array[] };
  for (const p of m.added.slice(0, MAX_PEX_PEERS)) {
    const { fam, entry } = compact(p);
    (fam === 4 ? v4 : v6).added.push(entry);
    (fam === 4 ? v4 : v6).addedF.push(p.flags ?? 0);
  }
  for (const p of m.dropped.slice(0, MAX_PEX_PEERS)) {
    const { fam, entry } = compact(p);
    (fam === 4 ? v4 : v6).dropped.push(entry);
  }
  const join = (xs: Uint8Array[]): Uint8Array => {
    const out = new Uint8Array(xs.reduce((n, x) => n + x.length, 0));
    let o = 0;
    for (const x of xs) {
      out.set(x, o);
      o += x.length;
    }
    return out;
  };
  return encode({
    added: join(v4.added),
    'added.f': Uint8Array.from(v4.addedF),
    added6: join(v6.added),
    'added6.f': Uint8Array.from(v6.addedF),
    dropped: join(v4.dropped),
    dropped6: join(v6.dropped),
  });
}

function compact(p: PexPeer): { fam: 4 | 6; entry: Uint8Array } {
  if (!Number.isInteger(p.port) || p.port < 0 || p.port > 0xffff) throw new RangeError(`bad port ${p.port}`);
  const v4 = parseIPv4(p.host);
  const addr = v4 ?? parseIPv6(p.host);
  if (!addr) throw new RangeError(`not an IP literal: ${p.host}`);
  const entry = new Uint8Array(addr.length + 2);
  entry.set(addr, 0);
  entry[addr.length] = p.port >> 8;
  entry[addr.length + 1] = p.port & 0xff;
  return { fam: v4 ? 4 : 6, entry };
}
