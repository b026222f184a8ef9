// The BEP 3 handshake: <pstrlen=19><"BitTorrent protocol"><8 reserved bytes><info_hash><peer_id>,
// 68 bytes in all. Reserved bits we read and set (bit numbering as in BEP 4):
//   reserved[5] & 0x10  BEP 10 extension protocol
//   reserved[7] & 0x04  BEP 6 fast extension
//   reserved[7] & 0x01  BEP 5 DHT (the peer will send a `port` message)
// Pure and incremental: decodeHandshake() says how many more bytes it needs, and rejects a wrong
// protocol string as soon as the first wrong byte is here, so a stranger dripping junk is dropped on
// its first bytes (RELIABILITY P38; the timeout itself belongs to the connection).

import { MagnetarError } from '../core/errors.ts';

export const PROTOCOL_STRING = 'BitTorrent protocol';
export const HANDSHAKE_LENGTH = 68;
/** Azureus-style client prefix (BEP 20): "MG" for Magnetar, version 0.1.0.0. */
export const PEER_ID_PREFIX = '-MG0100-';

const PSTR = new TextEncoder().encode(PROTOCOL_STRING);
const RESERVED_AT = 20;
const INFO_HASH_AT = 28;
const PEER_ID_AT = 48;

export interface Handshake {
  /** The 8 reserved bytes as sent (a copy), for extensions we do not decode here. */
  reserved: Uint8Array;
  /** 20 bytes (a copy). */
  infoHash: Uint8Array;
  /** 20 bytes (a copy). */
  peerId: Uint8Array;
  /** BEP 10 extension protocol. */
  extended: boolean;
  /** BEP 6 fast extension. */
  fast: boolean;
  /** BEP 5 DHT. */
  dht: boolean;
}

export interface HandshakeInit {
  infoHash: Uint8Array;
  peerId: Uint8Array;
  extended?: boolean;
  fast?: boolean;
  dht?: boolean;
}

export type HandshakeResult = { need: number } | { handshake: Handshake; consumed: number };

export function encodeHandshake(h: HandshakeInit): Uint8Array {
  if (h.infoHash.length !== 20) throw new RangeError('info-hash must be 20 bytes');
  if (h.peerId.length !== 20) throw new RangeError('peer id must be 20 bytes');
  const out = new Uint8Array(HANDSHAKE_LENGTH);
  out[0] = PSTR.length;
  out.set(PSTR, 1);
  if (h.extended) out[RESERVED_AT + 5]! |= 0x10;
  if (h.fast) out[RESERVED_AT + 7]! |= 0x04;
  if (h.dht) out[RESERVED_AT + 7]! |= 0x01;
  out.set(h.infoHash, INFO_HASH_AT);
  out.set(h.peerId, PEER_ID_AT);
  return out;
}

/**
 * Decodes a handshake at the start of `buf`. Returns `{ need }` (bytes still missing) until all 68
 * bytes are here; bytes after the handshake (the peer's first messages) are left for the caller,
 * which feeds `buf.subarray(consumed)` to a FrameDecoder. Throws PEER_HANDSHAKE on a wrong pstrlen
 * or protocol string, checked over whatever prefix has arrived.
 */
export function decodeHandshake(buf: Uint8Array): HandshakeResult {
  if (buf.length > 0 && buf[0] !== PSTR.length) {
    throw new MagnetarError('PEER_HANDSHAKE', `handshake pstrlen ${buf[0]} is not 19`, { pstrlen: buf[0] });
  }
  const seen = Math.min(buf.length - 1, PSTR.length);
  for (let i = 0; i < seen; i++) {
    if (buf[1 + i] !== PSTR[i]) {
      throw new MagnetarError('PEER_HANDSHAKE', 'handshake protocol string is not "BitTorrent protocol"', {
        offset: 1 + i,
      });
    }
  }
  if (buf.length < HANDSHAKE_LENGTH) return { need: HANDSHAKE_LENGTH - buf.length };
  const reserved = buf.slice(RESERVED_AT, RESERVED_AT + 8);
  return {
    handshake: {
      reserved,
      infoHash: buf.slice(INFO_HASH_AT, INFO_HASH_AT + 20),
      peerId: buf.slice(PEER_ID_AT, PEER_ID_AT + 20),
      extended: (reserved[5]! & 0x10) !== 0,
      fast: (reserved[7]! & 0x04) !== 0,
      dht: (reserved[7]! & 0x01) !== 0,
    },
    consumed: HANDSHAKE_LENGTH,
  };
}

const ID_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * A fresh peer id: PEER_ID_PREFIX plus 12 random alphanumerics (printable, so trackers and logs
 * that show peer ids as text stay readable). Uses the Web Crypto RNG, available in Node 20 and
 * browsers alike.
 */
export function makePeerId(): Uint8Array {
  const out = new Uint8Array(20);
  for (let i = 0; i < PEER_ID_PREFIX.length; i++) out[i] = PEER_ID_PREFIX.charCodeAt(i);
  let i = PEER_ID_PREFIX.length;
  const rnd = new Uint8Array(32);
  while (i < 20) {
    globalThis.crypto.getRandomValues(rnd);
    for (const r of rnd) {
      // Rejection sampling keeps the 62 symbols uniform: 248 = 4 × 62.
      if (r >= 248 || i >= 20) continue;
      out[i++] = ID_ALPHABET.charCodeAt(r % 62);
    }
  }
  return out;
}
