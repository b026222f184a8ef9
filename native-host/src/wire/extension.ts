// BEP 10 extended handshake: the payload of extended message id 0, a bencoded dict
//   { m: { <name>: <id 1..255, 0 = disabled> }, p: <tcp port>, v: <client>, yourip: <4|16 bytes>,
//     reqq: <outstanding requests the peer accepts>, metadata_size: <BEP 9 info-dict size> }
// Decoding is strict about the container (a capped, shallow bencode dict, else PEER_PROTOCOL) and
// lenient about fields: a bad field is dropped, never fatal, because BEP 10 lets every client add
// keys and RELIABILITY X45 asks us to ignore bad ones. Re-sending the handshake with new ids is legal
// (BEP 10 "subsequent handshake messages"); the caller replaces its table with each decoded `m`.

import { type BDict, type BValue, decode, encode, isBytes, isDict, isInt } from '../bencode/index.ts';
import { isMagnetarError, MagnetarError } from '../core/errors.ts';
import { fromUtf8 } from '../core/hex.ts';
import {
  MAX_CLIENT_NAME_BYTES,
  MAX_EXTENSION_NAME_BYTES,
  MAX_EXTENSION_NAMES,
  MAX_INCOMING_REQUESTS,
  MAX_METADATA_BYTES,
} from '../core/limits.ts';

// Re-exported: callers and tests import these from here.
export { MAX_CLIENT_NAME_BYTES, MAX_EXTENSION_NAME_BYTES, MAX_EXTENSION_NAMES };

/** Extended message id 0 is the handshake (BEP 10). */
export const EXTENDED_HANDSHAKE_ID = 0;
/**
 * Bencode caps for a handshake: a real one is ~40 tokens, 2 levels deep. 1024 tokens leave room for
 * a large `m` plus unknown keys; more than that is hostile and drops the peer.
 */
const HANDSHAKE_MAX_TOKENS = 1024;
const HANDSHAKE_MAX_DEPTH = 4;

export interface ExtendedHandshake {
  /** Extension name → the id the peer wants us to use (0: the peer disables it). Null prototype. */
  m: Record<string, number>;
  /** The peer's listen port (1..65535). */
  p?: number;
  /** Client name and version, truncated. */
  v?: string;
  /** Requests the peer queues, clamped to [1, MAX_INCOMING_REQUESTS]. */
  reqq?: number;
  /** BEP 9 info-dict size; only kept when 0 < size ≤ MAX_METADATA_BYTES (X46). */
  metadata_size?: number;
  /** Our address as the peer sees it: 4 or 16 bytes. */
  yourip?: Uint8Array;
}

/** Encodes the payload of an extended handshake (put it in `{ type: 'extended', id: 0, payload }`). */
export function encodeExtendedHandshake(h: ExtendedHandshake): Uint8Array {
  const m = new Map<string, number>();
  for (const [name, id] of Object.entries(h.m)) {
    if (!Number.isInteger(id) || id < 0 || id > 255) throw new RangeError(`extension ${name}: bad id ${id}`);
    m.set(name, id);
  }
  const dict = new Map<string, BValue | Map<string, number>>([['m', m]]);
  if (h.p !== undefined) dict.set('p', h.p);
  if (h.v !== undefined) dict.set('v', new TextEncoder().encode(h.v));
  if (h.reqq !== undefined) dict.set('reqq', h.reqq);
  if (h.metadata_size !== undefined) dict.set('metadata_size', h.metadata_size);
  if (h.yourip !== undefined) dict.set('yourip', h.yourip);
  return encode(dict);
}

/**
 * Decodes an extended handshake payload. Throws PEER_PROTOCOL when it is not a bencoded dict within
 * the caps above; otherwise keeps only the well-formed fields.
 */
export function decodeExtendedHandshake(payload: Uint8Array): ExtendedHandshake {
  const root = decodeDict(
    payload,
    HANDSHAKE_MAX_DEPTH,
    HANDSHAKE_MAX_TOKENS,
    false,
    'extended handshake',
  ).dict;
  const m: Record<string, number> = Object.create(null) as Record<string, number>;
  const out: ExtendedHandshake = { m };
  const md = root.get('m');
  if (isDict(md)) {
    let kept = 0;
    for (const [name, id] of md) {
      if (kept >= MAX_EXTENSION_NAMES) break;
      // Map keys are Latin-1 forms of the raw key bytes, so length is the byte length.
      if (name.length === 0 || name.length > MAX_EXTENSION_NAME_BYTES) continue;
      if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > 255) continue;
      m[name] = id;
      kept++;
    }
  }
  const p = smallInt(root.get('p'));
  if (p !== undefined && p >= 1 && p <= 0xffff) out.p = p;
  const v = root.get('v');
  if (isBytes(v)) out.v = fromUtf8(v.subarray(0, MAX_CLIENT_NAME_BYTES));
  const reqq = root.get('reqq');
  if (isInt(reqq) && reqq > 0) {
    // 10^9 (or a bigint) would make a requester pipeline without bound (X45): clamp.
    out.reqq = reqq > MAX_INCOMING_REQUESTS ? MAX_INCOMING_REQUESTS : Number(reqq);
  }
  const size = smallInt(root.get('metadata_size'));
  // −1, 0, 2^31 and 2 GB have all been seen (X46): such a peer is not asked for metadata.
  if (size !== undefined && size > 0 && size <= MAX_METADATA_BYTES) out.metadata_size = size;
  const yourip = root.get('yourip');
  if (isBytes(yourip) && (yourip.length === 4 || yourip.length === 16)) out.yourip = yourip.slice();
  return out;
}

function smallInt(v: BValue | undefined): number | undefined {
  return typeof v === 'number' && Number.isSafeInteger(v) ? v : undefined;
}

/**
 * Decodes a bencoded dict from a peer, turning bencode errors into PEER_PROTOCOL (the peer's fault,
 * RELIABILITY "errors are values classified by fault"). Shared by the BEP 9 and BEP 11 codecs.
 */
export function decodeDict(
  payload: Uint8Array,
  maxDepth: number,
  maxTokens: number,
  allowTrailing: boolean,
  what: string,
): { dict: BDict; end: number } {
  let decoded: { value: BValue; end: number };
  try {
    decoded = decode(payload, { maxDepth, maxTokens, allowTrailing });
  } catch (e) {
    if (isMagnetarError(e)) {
      throw new MagnetarError('PEER_PROTOCOL', `${what}: ${e.message}`, { cause: e.code }, { cause: e });
    }
    throw e;
  }
  if (!isDict(decoded.value)) throw new MagnetarError('PEER_PROTOCOL', `${what} is not a dictionary`);
  return { dict: decoded.value, end: decoded.end };
}
