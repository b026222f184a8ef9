// HTTP tracker codec (BEP 3 "Trackers", BEP 23 compact peers, BEP 7 peers6, BEP 48 scrape).
// Pure: URL text in and out, body bytes in, a value or a MagnetarError out. No Buffer, no node:.

import { decode } from '../bencode/index.ts';
import { type BDict, type BValue, isBytes, isDict, isInt, isList } from '../bencode/types.ts';
import { isMagnetarError, MagnetarError } from '../core/errors.ts';
import { fromLatin1, fromUtf8, toLatin1 } from '../core/hex.ts';
import { MAX_PEERS_PER_ANNOUNCE } from '../core/limits.ts';
import { COMPACT_V4, COMPACT_V6, PeerCollector } from './peers.ts';
import {
  DEFAULT_ANNOUNCE_INTERVAL_S,
  MAX_ANNOUNCE_INTERVAL_S,
  MIN_ANNOUNCE_INTERVAL_S,
  MIN_REANNOUNCE_S,
} from './policy.ts';
import type { AnnounceRequest, AnnounceResponse } from './types.ts';

/** Tracker bodies are tiny; nesting beyond a few levels is hostile (Transmission caps at 8). */
const MAX_BODY_DEPTH = 8;
/** Enough tokens for MAX_PEERS_PER_ANNOUNCE × 2 families of dict peers, with headroom. */
const MAX_BODY_TOKENS = 100_000;
/** A `failure reason` or `warning message` longer than this is truncated for display. */
const MAX_MESSAGE_CHARS = 1024;

/** RFC 3986 unreserved characters stay as they are; every other byte is %XX (BEP 3: bytewise). */
export function percentEncodeBytes(b: Uint8Array): string {
  let s = '';
  for (const x of b) {
    const unreserved =
      (x >= 0x30 && x <= 0x39) ||
      (x >= 0x41 && x <= 0x5a) ||
      (x >= 0x61 && x <= 0x7a) ||
      x === 0x2d ||
      x === 0x2e ||
      x === 0x5f ||
      x === 0x7e;
    s += unreserved ? String.fromCharCode(x) : `%${x.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return s;
}

const intText = (n: number): string => String(Math.max(0, Math.trunc(n)));

/**
 * BEP 3 announce URL. The announce URL's own query (private trackers put a passkey there) is kept
 * and our parameters appended; a fragment is dropped, since it is never sent to a server.
 */
export function buildAnnounceUrl(announce: string, r: AnnounceRequest): string {
  const hash = announce.indexOf('#');
  const base = hash >= 0 ? announce.slice(0, hash) : announce;
  const params = [
    `info_hash=${percentEncodeBytes(r.infoHash)}`,
    `peer_id=${percentEncodeBytes(r.peerId)}`,
    `port=${intText(r.port)}`,
    `uploaded=${intText(r.uploaded)}`,
    `downloaded=${intText(r.downloaded)}`,
    `left=${intText(r.left)}`,
    'compact=1',
    'no_peer_id=1',
    `numwant=${intText(r.numWant)}`,
    // BEP 7 key: hex text, 8 characters, as libtorrent sends it.
    `key=${(r.key >>> 0).toString(16).toUpperCase().padStart(8, '0')}`,
  ];
  if (r.event !== 'none') params.push(`event=${r.event}`);
  if (r.trackerId !== undefined) params.push(`trackerid=${percentEncodeBytes(fromLatin1(r.trackerId))}`);
  const sep = !base.includes('?') ? '?' : base.endsWith('?') || base.endsWith('&') ? '' : '&';
  return base + sep + params.join('&');
}

/**
 * BEP 48: the scrape URL replaces a last path component that starts with `announce` by `scrape`;
 * trackers whose URL does not follow that convention have no scrape (null).
 */
export function scrapeUrlFor(announce: string): string | null {
  const q = announce.search(/[?#]/);
  const path = q >= 0 ? announce.slice(0, q) : announce;
  const slash = path.lastIndexOf('/');
  if (slash < 0 || !path.slice(slash + 1).startsWith('announce')) return null;
  return `${path.slice(0, slash + 1)}scrape${path.slice(slash + 1 + 'announce'.length)}${q >= 0 ? announce.slice(q) : ''}`;
}

const bad = (msg: string, details?: Record<string, unknown>): MagnetarError =>
  new MagnetarError('TRACKER_BAD_RESPONSE', `tracker: ${msg}`, details);

function decodeBody(body: Uint8Array): BDict {
  let root: BValue;
  try {
    // Trailing bytes are tolerated: some trackers append a newline; the dict is what counts.
    root = decode(body, { maxDepth: MAX_BODY_DEPTH, maxTokens: MAX_BODY_TOKENS, allowTrailing: true }).value;
  } catch (e) {
    // T21: HTML, plain text, truncated bencode all land here.
    if (isMagnetarError(e)) throw bad('response is not bencode', { cause: e.code, length: body.length });
    throw e;
  }
  if (!isDict(root)) throw bad('response is not a dictionary');
  return root;
}

function text(v: BValue | undefined): string | undefined {
  if (!isBytes(v)) return undefined;
  const s = fromUtf8(v);
  return s.length > MAX_MESSAGE_CHARS ? `${s.slice(0, MAX_MESSAGE_CHARS)}…` : s;
}

function count(v: BValue | undefined): number | undefined {
  if (typeof v === 'number' && v >= 0) return v;
  return undefined;
}

/** T21: a missing, zero, negative or huge interval is clamped, never obeyed. */
export function clampInterval(v: BValue | undefined): number {
  if (!isInt(v)) return DEFAULT_ANNOUNCE_INTERVAL_S;
  const n = typeof v === 'bigint' ? (v < 0n ? 0 : MAX_ANNOUNCE_INTERVAL_S) : v;
  return Math.min(MAX_ANNOUNCE_INTERVAL_S, Math.max(MIN_ANNOUNCE_INTERVAL_S, n));
}

function clampMinInterval(v: BValue | undefined, interval: number): number | undefined {
  if (!isInt(v)) return undefined;
  const n = typeof v === 'bigint' ? (v < 0n ? 0 : interval) : v;
  return Math.min(interval, Math.max(MIN_REANNOUNCE_S, n));
}

/** Throws TRACKER_FAILURE when the tracker sent `failure reason` (BEP 3); the text is the message. */
function checkFailure(d: BDict): void {
  const failure = d.get('failure reason');
  if (failure !== undefined) {
    const reason = text(failure) ?? '(unreadable failure reason)';
    throw new MagnetarError('TRACKER_FAILURE', reason, { reason });
  }
}

/** Parses an announce response body (BEP 3, 7, 23); throws TRACKER_FAILURE or TRACKER_BAD_RESPONSE. */
export function parseAnnounceBody(body: Uint8Array, cap = MAX_PEERS_PER_ANNOUNCE): AnnounceResponse {
  const d = decodeBody(body);
  checkFailure(d);
  const interval = clampInterval(d.get('interval'));
  const peers = new PeerCollector(cap);
  const p4 = d.get('peers');
  if (isBytes(p4)) peers.addCompact(p4, COMPACT_V4);
  else if (isList(p4)) {
    // BEP 3 dictionary model: [{ip, port, peer id}]; entries with a bad ip or port are skipped (T24).
    for (const e of p4) {
      if (peers.full) break;
      if (!isDict(e)) continue;
      const ip = e.get('ip');
      const port = e.get('port');
      if (isBytes(ip) && typeof port === 'number') peers.addText(fromUtf8(ip), port);
      else peers.skipped++;
    }
  }
  const p6 = d.get('peers6');
  if (isBytes(p6)) peers.addCompact(p6, COMPACT_V6);
  const trackerId = d.get('tracker id');
  return {
    interval,
    minInterval: clampMinInterval(d.get('min interval'), interval),
    complete: count(d.get('complete')),
    incomplete: count(d.get('incomplete')),
    warning: text(d.get('warning message')),
    peers: peers.peers,
    trackerId: isBytes(trackerId) && trackerId.length <= 256 ? toLatin1(trackerId) : undefined,
  };
}

export interface ScrapeEntry {
  complete: number | undefined;
  downloaded: number | undefined;
  incomplete: number | undefined;
}

/** BEP 48 scrape body: `files` maps the raw 20-byte info-hash to counts. */
export function parseScrapeBody(body: Uint8Array, infoHash: Uint8Array): ScrapeEntry | undefined {
  const d = decodeBody(body);
  checkFailure(d);
  const files = d.get('files');
  if (!isDict(files)) throw bad('scrape without files');
  const e = files.get(toLatin1(infoHash));
  if (!isDict(e)) return undefined;
  return {
    complete: count(e.get('complete')),
    downloaded: count(e.get('downloaded')),
    incomplete: count(e.get('incomplete')),
  };
}
