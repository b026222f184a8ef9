// Peer-wire messages (BEP 3 §"peer messages", BEP 5 `port`, BEP 6 fast extension, BEP 10
// `extended`) as a discriminated union, with the exact-length table every frame is checked against
// and a pure encoder/decoder for single message bodies. Framing and length policy live in
// frame-decoder.ts; this file never sees a socket.

import { MAX_REQUEST_LENGTH } from '../core/limits.ts';

/** Message ids on the wire (BEP 3; 9 is BEP 5; 0x0d–0x11 are BEP 6; 20 is BEP 10). */
export const MessageId = {
  CHOKE: 0,
  UNCHOKE: 1,
  INTERESTED: 2,
  NOT_INTERESTED: 3,
  HAVE: 4,
  BITFIELD: 5,
  REQUEST: 6,
  PIECE: 7,
  CANCEL: 8,
  PORT: 9,
  SUGGEST: 0x0d,
  HAVE_ALL: 0x0e,
  HAVE_NONE: 0x0f,
  REJECT: 0x10,
  ALLOWED_FAST: 0x11,
  EXTENDED: 20,
} as const;

export type MessageIdValue = (typeof MessageId)[keyof typeof MessageId];

/** A block address: `index` is the piece, `begin` the byte offset in it, `length` the block size. */
export interface BlockRef {
  index: number;
  begin: number;
  length: number;
}

export type PeerMessage =
  | { type: 'keep-alive' }
  | { type: 'choke' }
  | { type: 'unchoke' }
  | { type: 'interested' }
  | { type: 'not-interested' }
  | { type: 'have'; index: number }
  /** Raw wire bits; see frame-decoder.ts for when the length and spare bits are checked. */
  | { type: 'bitfield'; bits: Uint8Array }
  | ({ type: 'request' } & BlockRef)
  /** `block` may be a view into the decoder's input (see FrameDecoder). */
  | { type: 'piece'; index: number; begin: number; block: Uint8Array }
  | ({ type: 'cancel' } & BlockRef)
  | { type: 'port'; port: number }
  | { type: 'have-all' }
  | { type: 'have-none' }
  | { type: 'suggest'; index: number }
  | ({ type: 'reject' } & BlockRef)
  | { type: 'allowed-fast'; index: number }
  /** BEP 10: `id` is the extended message id (0 = extended handshake), `payload` follows it. */
  | { type: 'extended'; id: number; payload: Uint8Array };

export type PeerMessageType = PeerMessage['type'];

/**
 * Exact value of the 4-byte length prefix for every fixed-size message, keyed by id (Transmission
 * keeps the same table). Ids missing here are variable (bitfield, piece, extended) or unknown.
 */
export const FIXED_FRAME_LENGTH: ReadonlyMap<number, number> = new Map<number, number>([
  [MessageId.CHOKE, 1],
  [MessageId.UNCHOKE, 1],
  [MessageId.INTERESTED, 1],
  [MessageId.NOT_INTERESTED, 1],
  [MessageId.HAVE, 5],
  [MessageId.REQUEST, 13],
  [MessageId.CANCEL, 13],
  [MessageId.PORT, 3],
  [MessageId.SUGGEST, 5],
  [MessageId.HAVE_ALL, 1],
  [MessageId.HAVE_NONE, 1],
  [MessageId.REJECT, 13],
  [MessageId.ALLOWED_FAST, 5],
]);

/** Ids a peer may only send once the fast extension is negotiated (BEP 6 §"Fast Extension"). */
export const FAST_IDS: ReadonlySet<number> = new Set([
  MessageId.SUGGEST,
  MessageId.HAVE_ALL,
  MessageId.HAVE_NONE,
  MessageId.REJECT,
  MessageId.ALLOWED_FAST,
]);

/** Every id this codec understands; others are unknown (frame-decoder.ts skips them). */
export function isKnownId(id: number): id is MessageIdValue {
  return (
    FIXED_FRAME_LENGTH.has(id) ||
    id === MessageId.BITFIELD ||
    id === MessageId.PIECE ||
    id === MessageId.EXTENDED
  );
}

/** Bytes of a piece message before its block: length prefix, id, index, begin. */
export const PIECE_HEADER_BYTES = 13;

/**
 * The codec returns any `request`/`reject`/`cancel` length as sent; deciding what to do with a bad
 * one needs peer state (BEP 6: reject if fast is negotiated, else drop — RELIABILITY P34), so the
 * caller checks with this helper. Length 0 or above MAX_REQUEST_LENGTH is never served.
 */
export function isValidRequestLength(length: number): boolean {
  return length > 0 && length <= MAX_REQUEST_LENGTH;
}

function u32(out: Uint8Array, at: number, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffff_ffff) throw new RangeError(`not a u32: ${v}`);
  out[at] = v >>> 24;
  out[at + 1] = (v >>> 16) & 0xff;
  out[at + 2] = (v >>> 8) & 0xff;
  out[at + 3] = v & 0xff;
}

export function readU32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

function frame(id: number, payloadLength: number): Uint8Array {
  const out = new Uint8Array(5 + payloadLength);
  u32(out, 0, 1 + payloadLength);
  out[4] = id;
  return out;
}

function blockFrame(id: number, r: BlockRef): Uint8Array {
  const out = frame(id, 12);
  u32(out, 5, r.index);
  u32(out, 9, r.begin);
  u32(out, 13, r.length);
  return out;
}

function indexFrame(id: number, index: number): Uint8Array {
  const out = frame(id, 4);
  u32(out, 5, index);
  return out;
}

/**
 * The 13-byte header of a piece message carrying `length` block bytes, so a seeder can write the
 * header and then the block straight from its read buffer, never copying the block.
 */
export function encodePieceHeader(index: number, begin: number, length: number): Uint8Array {
  const out = new Uint8Array(PIECE_HEADER_BYTES);
  u32(out, 0, 9 + length);
  out[4] = MessageId.PIECE;
  u32(out, 5, index);
  u32(out, 9, begin);
  return out;
}

/**
 * Encodes one message with its length prefix. Field values out of range (not u32, extension id not
 * a byte, port not u16) are bugs in our code and throw RangeError.
 */
export function encodeMessage(m: PeerMessage): Uint8Array {
  switch (m.type) {
    case 'keep-alive':
      return new Uint8Array(4);
    case 'choke':
      return frame(MessageId.CHOKE, 0);
    case 'unchoke':
      return frame(MessageId.UNCHOKE, 0);
    case 'interested':
      return frame(MessageId.INTERESTED, 0);
    case 'not-interested':
      return frame(MessageId.NOT_INTERESTED, 0);
    case 'have':
      return indexFrame(MessageId.HAVE, m.index);
    case 'bitfield': {
      const out = frame(MessageId.BITFIELD, m.bits.length);
      out.set(m.bits, 5);
      return out;
    }
    case 'request':
      return blockFrame(MessageId.REQUEST, m);
    case 'piece': {
      const out = new Uint8Array(PIECE_HEADER_BYTES + m.block.length);
      out.set(encodePieceHeader(m.index, m.begin, m.block.length), 0);
      out.set(m.block, PIECE_HEADER_BYTES);
      return out;
    }
    case 'cancel':
      return blockFrame(MessageId.CANCEL, m);
    case 'port': {
      if (!Number.isInteger(m.port) || m.port < 0 || m.port > 0xffff)
        throw new RangeError(`bad port ${m.port}`);
      const out = frame(MessageId.PORT, 2);
      out[5] = m.port >> 8;
      out[6] = m.port & 0xff;
      return out;
    }
    case 'have-all':
      return frame(MessageId.HAVE_ALL, 0);
    case 'have-none':
      return frame(MessageId.HAVE_NONE, 0);
    case 'suggest':
      return indexFrame(MessageId.SUGGEST, m.index);
    case 'reject':
      return blockFrame(MessageId.REJECT, m);
    case 'allowed-fast':
      return indexFrame(MessageId.ALLOWED_FAST, m.index);
    case 'extended': {
      if (!Number.isInteger(m.id) || m.id < 0 || m.id > 255) throw new RangeError(`bad extended id ${m.id}`);
      const out = frame(MessageId.EXTENDED, 1 + m.payload.length);
      out[5] = m.id;
      out.set(m.payload, 6);
      return out;
    }
  }
}

/**
 * Decodes the body of a known message (the bytes after the id). The caller (FrameDecoder) has
 * already checked `body.length` against FIXED_FRAME_LENGTH and the variable-length rules, so this
 * only slices. Views into `body` are returned for bitfield, piece and extended.
 */
export function decodeBody(id: MessageIdValue, body: Uint8Array): PeerMessage {
  switch (id) {
    case MessageId.CHOKE:
      return { type: 'choke' };
    case MessageId.UNCHOKE:
      return { type: 'unchoke' };
    case MessageId.INTERESTED:
      return { type: 'interested' };
    case MessageId.NOT_INTERESTED:
      return { type: 'not-interested' };
    case MessageId.HAVE:
      return { type: 'have', index: readU32(body, 0) };
    case MessageId.BITFIELD:
      return { type: 'bitfield', bits: body };
    case MessageId.REQUEST:
      return { type: 'request', index: readU32(body, 0), begin: readU32(body, 4), length: readU32(body, 8) };
    case MessageId.PIECE:
      return { type: 'piece', index: readU32(body, 0), begin: readU32(body, 4), block: body.subarray(8) };
    case MessageId.CANCEL:
      return { type: 'cancel', index: readU32(body, 0), begin: readU32(body, 4), length: readU32(body, 8) };
    case MessageId.PORT:
      return { type: 'port', port: (body[0]! << 8) | body[1]! };
    case MessageId.SUGGEST:
      return { type: 'suggest', index: readU32(body, 0) };
    case MessageId.HAVE_ALL:
      return { type: 'have-all' };
    case MessageId.HAVE_NONE:
      return { type: 'have-none' };
    case MessageId.REJECT:
      return { type: 'reject', index: readU32(body, 0), begin: readU32(body, 4), length: readU32(body, 8) };
    case MessageId.ALLOWED_FAST:
      return { type: 'allowed-fast', index: readU32(body, 0) };
    case MessageId.EXTENDED:
      return { type: 'extended', id: body[0]!, payload: body.subarray(1) };
  }
}
