// Magnet links (BEP 9 "Magnet URI format"): `magnet:?xt=urn:btih:<info-hash>&dn=<name>&tr=<tracker>
// &x.pe=<host:port>`. The info-hash is 40 hex characters or 32 base32 characters (RFC 4648 alphabet,
// as BEP 9 allows for compatibility). A link is untrusted input (RELIABILITY T27): it is capped in
// size, its trackers and peers are filtered and counted, and its name is sanitized like a path.

import { MagnetarError } from '../core/errors.ts';
import { fromHex, toHex } from '../core/hex.ts';
import { MAX_MAGNET_LENGTH, MAX_MAGNET_PEERS } from '../core/limits.ts';
import { cleanTrackerUrl, MAX_TRACKERS } from './announce.ts';
import { sanitizeName } from './sanitize-path.ts';
import type { ValidatedTorrent } from './types.ts';

// Re-exported: callers and tests import these from here.
export { MAX_MAGNET_LENGTH, MAX_MAGNET_PEERS };

export interface MagnetPeer {
  readonly host: string;
  readonly port: number;
}

export interface MagnetLink {
  readonly infoHash: Uint8Array;
  /** Lower-case hex v1 info-hash. */
  readonly infoHashHex: string;
  /** Sanitized `dn` (display name), if any. */
  readonly name?: string;
  /** Tracker URLs (http, https, udp), deduplicated, in link order. */
  readonly trackers: readonly string[];
  /** Peers from `x.pe`. */
  readonly peers: readonly MagnetPeer[];
}

function invalid(message: string): never {
  throw new MagnetarError('MAGNET_INVALID', `magnet: ${message}`);
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 without padding; undefined on a character outside the alphabet. */
function base32Decode(s: string): Uint8Array | undefined {
  const out = new Uint8Array(Math.floor((s.length * 5) / 8));
  let bits = 0;
  let acc = 0;
  let o = 0;
  for (const ch of s.toUpperCase()) {
    const v = BASE32.indexOf(ch);
    if (v < 0) return undefined;
    acc = (acc << 5) | v;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >>> bits) & 0xff;
    }
  }
  return out;
}

function base32Encode(b: Uint8Array): string {
  let s = '';
  let acc = 0;
  let bits = 0;
  for (const x of b) {
    acc = (acc << 8) | x;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      s += BASE32[(acc >>> bits) & 31];
    }
  }
  if (bits > 0) s += BASE32[(acc << (5 - bits)) & 31];
  return s;
}

function parseBtih(value: string): Uint8Array {
  if (/^[0-9a-fA-F]{40}$/.test(value)) return fromHex(value);
  if (value.length === 32) {
    const b = base32Decode(value);
    if (b) return b;
  }
  invalid(`btih "${value.slice(0, 64)}" is neither 40 hex nor 32 base32 characters`);
}

/** `host:port`, `[v6]:port`; undefined when malformed or the port is not 1–65535. */
function parsePeer(value: string): MagnetPeer | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s/]+)):(\d{1,5})$/.exec(value);
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return undefined;
  return { host: (m[1] ?? m[2])!, port };
}

function decodeComponent(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/** Parses a magnet link; throws MagnetarError MAGNET_INVALID. */
export function parseMagnet(uri: string): MagnetLink {
  if (uri.length > MAX_MAGNET_LENGTH)
    invalid(`link of ${uri.length} characters is over ${MAX_MAGNET_LENGTH}`);
  const trimmed = uri.trim();
  if (!/^magnet:\?/i.test(trimmed)) invalid('not a magnet:? link');
  let infoHash: Uint8Array | undefined;
  let name: string | undefined;
  const trackers: string[] = [];
  const peers: MagnetPeer[] = [];
  for (const param of trimmed.slice('magnet:?'.length).split('&')) {
    const eq = param.indexOf('=');
    if (eq <= 0) continue;
    const key = param.slice(0, eq).toLowerCase();
    const raw = param.slice(eq + 1);
    // Indexed keys (`xt.1`, `tr.2`) are allowed by the magnet draft; treat them like the plain key.
    const base = key.replace(/\.\d+$/, '');
    if (base === 'xt') {
      const v = decodeComponent(raw);
      if (v === undefined) invalid('xt is not valid percent-encoding');
      if (!/^urn:btih:/i.test(v)) continue; // e.g. urn:btmh (BEP 52) — v1 only for now
      const h = parseBtih(v.slice('urn:btih:'.length));
      if (infoHash && toHex(infoHash) !== toHex(h)) invalid('several different btih info-hashes');
      infoHash = h;
    } else if (base === 'dn') {
      // Forms encode spaces as '+'; a name never needs a literal '+' badly enough to lose spaces.
      const v = decodeComponent(raw.replace(/\+/g, ' '));
      if (v !== undefined && name === undefined) name = v;
    } else if (base === 'tr') {
      const v = decodeComponent(raw);
      const url = v === undefined ? undefined : cleanTrackerUrl(v);
      if (url !== undefined && !trackers.includes(url) && trackers.length < MAX_TRACKERS) trackers.push(url);
    } else if (base === 'x.pe') {
      const v = decodeComponent(raw);
      const peer = v === undefined ? undefined : parsePeer(v);
      if (peer && peers.length < MAX_MAGNET_PEERS) peers.push(peer);
    }
  }
  if (!infoHash) invalid('no xt=urn:btih: info-hash');
  const infoHashHex = toHex(infoHash);
  const cleanName = name === undefined ? undefined : sanitizeName(name, infoHashHex);
  return {
    infoHash,
    infoHashHex,
    ...(cleanName !== undefined && { name: cleanName }),
    trackers,
    peers,
  };
}

/** A magnet link for a torrent: its v1 info-hash, name and every tracker in tier order. */
export function toMagnet(t: Pick<ValidatedTorrent, 'infoHashHex' | 'name' | 'announce'>): string {
  let s = `magnet:?xt=urn:btih:${t.infoHashHex}`;
  if (t.name !== '') s += `&dn=${encodeURIComponent(t.name)}`;
  for (const tier of t.announce) for (const url of tier) s += `&tr=${encodeURIComponent(url)}`;
  return s;
}

/** Base32 form of an info-hash, for links to older clients. */
export function infoHashToBase32(infoHash: Uint8Array): string {
  return base32Encode(infoHash);
}
