// BEP 9 ut_metadata messages, carried in BEP 10 extended messages with the id the peer gave for
// "ut_metadata". The payload is a bencoded dict, and for `data` the metadata piece follows it:
//   request {msg_type: 0, piece}   data {msg_type: 1, piece, total_size} + ≤ 16 KiB   reject {msg_type: 2, piece}
// Checks that need no session state are done here (RELIABILITY X46, X47): sizes, the piece index
// within MAX_METADATA_BYTES, and a data piece whose length matches its place in `total_size`.
// Whether the piece was requested and whether `total_size` matches the handshake's metadata_size is
// the metadata assembler's business.

import { encode } from '../bencode/index.ts';
import { MagnetarError } from '../core/errors.ts';
import { MAX_METADATA_BYTES } from '../core/limits.ts';
import { decodeDict } from './extension.ts';

/** BEP 9: metadata is exchanged in 16 KiB pieces; only the last may be shorter. */
export const METADATA_PIECE_SIZE = 16 * 1024;
/** Pieces in the largest metadata we accept. */
export const MAX_METADATA_PIECES = Math.ceil(MAX_METADATA_BYTES / METADATA_PIECE_SIZE);
/** A ut_metadata message: one piece plus a dict of ~60 bytes; libtorrent refuses > 17 KiB (X47). */
export const MAX_UT_METADATA_MESSAGE = METADATA_PIECE_SIZE + 1024;
const MAX_TOKENS = 32;
const MAX_DEPTH = 2;

export type MetadataMessage =
  | { type: 'request'; piece: number }
  | { type: 'data'; piece: number; totalSize: number; data: Uint8Array }
  | { type: 'reject'; piece: number };

/** Bytes a data message for `piece` must carry when the metadata is `totalSize` bytes. */
export function metadataPieceLength(piece: number, totalSize: number): number {
  return Math.max(0, Math.min(METADATA_PIECE_SIZE, totalSize - piece * METADATA_PIECE_SIZE));
}

/** Encodes the payload (the bytes after the extended id). */
export function encodeMetadataMessage(m: MetadataMessage): Uint8Array {
  if (m.type !== 'data') return encode({ msg_type: m.type === 'request' ? 0 : 2, piece: m.piece });
  const head = encode({ msg_type: 1, piece: m.piece, total_size: m.totalSize });
  const out = new Uint8Array(head.length + m.data.length);
  out.set(head, 0);
  out.set(m.data, head.length);
  return out;
}

function bad(message: string, details?: Record<string, unknown>): MagnetarError {
  return new MagnetarError('PEER_PROTOCOL', `ut_metadata: ${message}`, details);
}

/**
 * Decodes a ut_metadata payload. Returns null for an unknown msg_type (BEP 9: "an unrecognized
 * message ID MUST be ignored"); throws PEER_FRAME_TOO_LARGE over MAX_UT_METADATA_MESSAGE and
 * PEER_PROTOCOL for anything malformed. `data` is a view into `payload`.
 */
export function decodeMetadataMessage(payload: Uint8Array): MetadataMessage | null {
  if (payload.length > MAX_UT_METADATA_MESSAGE) {
    throw new MagnetarError('PEER_FRAME_TOO_LARGE', `ut_metadata: message of ${payload.length} bytes`, {
      length: payload.length,
    });
  }
  const { dict, end } = decodeDict(payload, MAX_DEPTH, MAX_TOKENS, true, 'ut_metadata');
  const msgType = dict.get('msg_type');
  const piece = dict.get('piece');
  if (typeof msgType !== 'number') throw bad('msg_type missing or not an integer');
  if (msgType !== 0 && msgType !== 1 && msgType !== 2) return null;
  if (typeof piece !== 'number' || !Number.isInteger(piece) || piece < 0 || piece >= MAX_METADATA_PIECES) {
    throw bad('piece missing or out of range', { piece: typeof piece === 'number' ? piece : undefined });
  }
  const trailing = payload.length - end;
  if (msgType !== 1) {
    if (trailing !== 0) throw bad(`${trailing} bytes after a ${msgType === 0 ? 'request' : 'reject'}`);
    return msgType === 0 ? { type: 'request', piece } : { type: 'reject', piece };
  }
  const totalSize = dict.get('total_size');
  if (typeof totalSize !== 'number' || totalSize <= 0 || totalSize > MAX_METADATA_BYTES) {
    throw bad('total_size missing or over MAX_METADATA_BYTES', {
      totalSize: typeof totalSize === 'number' ? totalSize : undefined,
    });
  }
  const want = metadataPieceLength(piece, totalSize);
  if (want === 0) throw bad('piece beyond total_size', { piece, totalSize });
  if (trailing !== want) throw bad(`piece ${piece} carries ${trailing} bytes, expected ${want}`);
  return { type: 'data', piece, totalSize, data: payload.subarray(end) };
}
