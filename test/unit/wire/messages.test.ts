// Message codec (BEP 3/5/6/10): round trips for every type, the exact-length table, piece headers.
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { MAX_REQUEST_LENGTH } from '../../../native-host/src/core/limits.ts';
import {
  encodeMessage,
  encodePieceHeader,
  FIXED_FRAME_LENGTH,
  isValidRequestLength,
  MessageId,
  type PeerMessage,
  PIECE_HEADER_BYTES,
} from '../../../native-host/src/wire/index.ts';
import { arbMessage, concat, decodeChunks, encodeAll, PROP } from './helpers.ts';

const samples: PeerMessage[] = [
  { type: 'keep-alive' },
  { type: 'choke' },
  { type: 'unchoke' },
  { type: 'interested' },
  { type: 'not-interested' },
  { type: 'have', index: 0xffff_ffff },
  { type: 'bitfield', bits: Uint8Array.of(0xff, 0x80) },
  { type: 'request', index: 1, begin: 16384, length: 16384 },
  { type: 'piece', index: 2, begin: 32768, block: Uint8Array.of(1, 2, 3) },
  { type: 'cancel', index: 3, begin: 0, length: 16384 },
  { type: 'port', port: 6881 },
  { type: 'have-all' },
  { type: 'have-none' },
  { type: 'suggest', index: 7 },
  { type: 'reject', index: 4, begin: 0, length: 16384 },
  { type: 'allowed-fast', index: 9 },
  { type: 'extended', id: 0, payload: Uint8Array.of(0x64, 0x65) },
];

describe('encodeMessage / FrameDecoder round trip', () => {
  for (const m of samples) {
    it(`round-trips ${m.type}`, () => {
      expect(decodeChunks([encodeMessage(m)])).toEqual([m]);
    });
  }

  it('encodes the BEP 3 layout byte for byte', () => {
    expect([...encodeMessage({ type: 'have', index: 0x01020304 })]).toEqual([0, 0, 0, 5, 4, 1, 2, 3, 4]);
    expect([...encodeMessage({ type: 'port', port: 0x1ae1 })]).toEqual([0, 0, 0, 3, 9, 0x1a, 0xe1]);
    expect([...encodeMessage({ type: 'keep-alive' })]).toEqual([0, 0, 0, 0]);
    expect([...encodeMessage({ type: 'extended', id: 3, payload: Uint8Array.of(9) })]).toEqual([
      0, 0, 0, 3, 20, 3, 9,
    ]);
  });

  it('uses the BEP 6 ids for the fast extension', () => {
    expect(encodeMessage({ type: 'suggest', index: 0 })[4]).toBe(0x0d);
    expect(encodeMessage({ type: 'have-all' })[4]).toBe(0x0e);
    expect(encodeMessage({ type: 'have-none' })[4]).toBe(0x0f);
    expect(encodeMessage({ type: 'reject', index: 0, begin: 0, length: 1 })[4]).toBe(0x10);
    expect(encodeMessage({ type: 'allowed-fast', index: 0 })[4]).toBe(0x11);
  });

  it('agrees with the exact-length table for every fixed-size message', () => {
    for (const m of samples) {
      const f = encodeMessage(m);
      if (f.length < 5) continue;
      const fixed = FIXED_FRAME_LENGTH.get(f[4]!);
      if (fixed !== undefined) expect(f.length - 4, m.type).toBe(fixed);
    }
    expect(FIXED_FRAME_LENGTH.get(MessageId.BITFIELD)).toBeUndefined();
    expect(FIXED_FRAME_LENGTH.get(MessageId.PIECE)).toBeUndefined();
    expect(FIXED_FRAME_LENGTH.get(MessageId.EXTENDED)).toBeUndefined();
  });

  it('encodePieceHeader + block is the piece message, so a seeder never copies the block', () => {
    const block = Uint8Array.from({ length: 100 }, (_, i) => i);
    const header = encodePieceHeader(5, 16384, block.length);
    expect(header.length).toBe(PIECE_HEADER_BYTES);
    expect(concat([header, block])).toEqual(encodeMessage({ type: 'piece', index: 5, begin: 16384, block }));
  });

  it('refuses to encode out-of-range fields (our bug, a RangeError)', () => {
    expect(() => encodeMessage({ type: 'have', index: -1 })).toThrow(RangeError);
    expect(() => encodeMessage({ type: 'have', index: 2 ** 32 })).toThrow(RangeError);
    expect(() => encodeMessage({ type: 'port', port: 65536 })).toThrow(RangeError);
    expect(() => encodeMessage({ type: 'extended', id: 256, payload: new Uint8Array(0) })).toThrow(
      RangeError,
    );
  });

  it('isValidRequestLength accepts 1..MAX_REQUEST_LENGTH only', () => {
    expect(isValidRequestLength(0)).toBe(false);
    expect(isValidRequestLength(1)).toBe(true);
    expect(isValidRequestLength(MAX_REQUEST_LENGTH)).toBe(true);
    expect(isValidRequestLength(MAX_REQUEST_LENGTH + 1)).toBe(false);
  });

  test.prop([fc.array(arbMessage, { maxLength: 30 })], PROP)('any message list round-trips', (ms) => {
    expect(decodeChunks([encodeAll(ms)])).toEqual(ms);
  });
});
