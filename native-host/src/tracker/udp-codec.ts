// UDP tracker codec (BEP 15, with the BEP 41 URLData option). Pure: bytes in, values out.
// Requests are big-endian fixed layouts. Responses are classified, never thrown on: a datagram
// anyone can send us must only ever be "ignored" (RELIABILITY T25), so decoding returns a tagged
// value and the client decides what matches an outstanding transaction.

import { fromUtf8, utf8 } from '../core/hex.ts';
import { MAX_PEERS_PER_ANNOUNCE } from '../core/limits.ts';
import { clampInterval } from './http-codec.ts';
import { COMPACT_V4, COMPACT_V6, PeerCollector } from './peers.ts';
import type { AnnounceEvent, AnnounceRequest, AnnounceResponse } from './types.ts';

/** BEP 15 magic constant of the connect request. */
export const UDP_PROTOCOL_ID = 0x41727101980n;
export const ACTION_CONNECT = 0;
export const ACTION_ANNOUNCE = 1;
export const ACTION_SCRAPE = 2;
export const ACTION_ERROR = 3;

const EVENT_CODE: Record<AnnounceEvent, number> = { none: 0, completed: 1, started: 2, stopped: 3 };
/** BEP 41 option types. */
const OPT_END = 0;
const OPT_URL_DATA = 2;
/** BEP 41: each URLData option carries at most 255 bytes; we cap the total to keep packets small. */
const MAX_URL_DATA_BYTES = 1024;

/** Connect request: protocol id, action 0, transaction id (16 bytes). */
export function encodeConnect(transactionId: number): Uint8Array {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setBigUint64(0, UDP_PROTOCOL_ID);
  v.setUint32(8, ACTION_CONNECT);
  v.setUint32(12, transactionId >>> 0);
  return b;
}

const u64 = (n: number): bigint => BigInt(Math.max(0, Math.trunc(n)));

/**
 * Announce request (98 bytes, BEP 15), followed by BEP 41 URLData options carrying the announce
 * URL's path and query when there is more than a bare `/` (trackers use it for passkeys).
 */
export function encodeAnnounce(
  connectionId: bigint,
  transactionId: number,
  r: AnnounceRequest,
  urlData = '',
): Uint8Array {
  const data = utf8(urlData).subarray(0, MAX_URL_DATA_BYTES);
  const optLen = data.length === 0 ? 0 : Math.ceil(data.length / 255) * 2 + data.length + 1;
  const b = new Uint8Array(98 + optLen);
  const v = new DataView(b.buffer);
  v.setBigUint64(0, connectionId);
  v.setUint32(8, ACTION_ANNOUNCE);
  v.setUint32(12, transactionId >>> 0);
  b.set(r.infoHash.subarray(0, 20), 16);
  b.set(r.peerId.subarray(0, 20), 36);
  v.setBigUint64(56, u64(r.downloaded));
  v.setBigUint64(64, u64(r.left));
  v.setBigUint64(72, u64(r.uploaded));
  v.setUint32(80, EVENT_CODE[r.event]);
  v.setUint32(84, 0); // IP: 0 = the packet's source address
  v.setUint32(88, r.key >>> 0);
  v.setInt32(92, r.numWant); // -1 would mean "tracker default"; we always say how many
  v.setUint16(96, r.port & 0xffff);
  let o = 98;
  for (let i = 0; i < data.length; i += 255) {
    const chunk = data.subarray(i, i + 255);
    b[o++] = OPT_URL_DATA;
    b[o++] = chunk.length;
    b.set(chunk, o);
    o += chunk.length;
  }
  if (data.length > 0) b[o++] = OPT_END;
  return b;
}

/** BEP 41 URLData for a `udp://host:port/path?query` URL: empty for a bare path. */
export function urlDataFor(url: URL): string {
  const pq = url.pathname + url.search;
  return pq === '' || pq === '/' ? '' : pq;
}

export type UdpResponse =
  | { kind: 'connect'; transactionId: number; connectionId: bigint }
  | { kind: 'announce'; transactionId: number; response: AnnounceResponse }
  | { kind: 'error'; transactionId: number; message: string }
  /** Too short, unknown action, or otherwise not a reply we can use: drop it (T25). */
  | { kind: 'ignored'; reason: string };

/**
 * Classifies one datagram. `ipv6` picks the peer width: BEP 15 says the address family of the
 * tracker connection decides between 6- and 18-byte peers.
 */
export function decodeUdpResponse(b: Uint8Array, ipv6 = false, cap = MAX_PEERS_PER_ANNOUNCE): UdpResponse {
  if (b.length < 8) return { kind: 'ignored', reason: 'shorter than 8 bytes' };
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const action = v.getUint32(0);
  const transactionId = v.getUint32(4);
  switch (action) {
    case ACTION_CONNECT:
      if (b.length < 16) return { kind: 'ignored', reason: 'connect reply under 16 bytes' };
      return { kind: 'connect', transactionId, connectionId: v.getBigUint64(8) };
    case ACTION_ANNOUNCE: {
      if (b.length < 20) return { kind: 'ignored', reason: 'announce reply under 20 bytes' };
      const peers = new PeerCollector(cap);
      peers.addCompact(b.subarray(20), ipv6 ? COMPACT_V6 : COMPACT_V4);
      const response: AnnounceResponse = {
        interval: clampInterval(Math.min(v.getUint32(8), 2 ** 31)),
        minInterval: undefined,
        incomplete: v.getUint32(12),
        complete: v.getUint32(16),
        warning: undefined,
        peers: peers.peers,
        trackerId: undefined,
      };
      return { kind: 'announce', transactionId, response };
    }
    case ACTION_ERROR: {
      const message = fromUtf8(b.subarray(8, 8 + 1024)).trim() || '(no message)';
      return { kind: 'error', transactionId, message };
    }
    default:
      return { kind: 'ignored', reason: `unknown action ${action}` };
  }
}
