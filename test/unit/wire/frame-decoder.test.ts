// FrameDecoder: chunk-boundary properties, the memory bound on arbitrary bytes, skipping unknown
// ids, view lifetimes and the sticky error. Named RELIABILITY items are in reliability.test.ts.
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { MagnetarError } from '../../../native-host/src/core/errors.ts';
import { encodeMessage, FrameDecoder, type PeerMessage } from '../../../native-host/src/wire/index.ts';
import {
  arbMessage,
  be32,
  concat,
  decodeChunks,
  encodeAll,
  expectCode,
  PROP,
  rawFrame,
  splitAt,
} from './helpers.ts';

/** Streams worth fuzzing: valid ones, valid ones with a few bytes changed, and plain noise. */
const arbStream: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.array(arbMessage, { maxLength: 20 }).map(encodeAll),
  fc
    .tuple(
      fc.array(arbMessage, { minLength: 1, maxLength: 20 }).map(encodeAll),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
    )
    .map(([buf, edits]) => {
      const out = buf.slice();
      for (const [at, v] of edits) out[at % out.length] = v;
      return out;
    }),
  fc.uint8Array({ maxLength: 2000 }),
);

describe('FrameDecoder properties', () => {
  test.prop([fc.array(arbMessage, { maxLength: 25 }), fc.array(fc.nat(), { maxLength: 40 })], PROP)(
    'a valid stream split at random points decodes to the same messages as the whole buffer',
    (ms, cuts) => {
      const whole = encodeAll(ms);
      expect(decodeChunks(splitAt(whole, cuts))).toEqual(decodeChunks([whole]));
      expect(decodeChunks(splitAt(whole, cuts))).toEqual(ms);
    },
  );

  test.prop(
    [
      arbStream,
      fc.array(fc.nat(), { maxLength: 30 }),
      fc.integer({ min: 17, max: 400 }),
      fc.option(fc.integer({ min: 0, max: 600 }), { nil: undefined }),
    ],
    PROP,
  )(
    'arbitrary bytes give messages or a MagnetarError, and buffered stays within maxFrame + one chunk',
    (buf, cuts, maxFrame, pieceCount) => {
      const d = new FrameDecoder({ maxFrame, pieceCount, maxBlock: 256, maxExtended: 256 });
      try {
        for (const c of splitAt(buf, cuts)) {
          const before = d.buffered;
          d.push(c);
          expect(d.buffered).toBeLessThanOrEqual(before + c.length);
          expect(d.buffered).toBeLessThanOrEqual(maxFrame + c.length);
          for (let m = d.next(); m !== null; m = d.next()) {
            if (m.type === 'piece') expect(m.block.length).toBeLessThanOrEqual(256);
          }
          // Drained: at most one partial frame is held.
          expect(d.buffered).toBeLessThan(maxFrame);
        }
      } catch (e) {
        if (!(e instanceof MagnetarError)) throw e;
        expect(e.fault).toBe('peer');
        // The error is sticky: the stream is no longer aligned.
        expect(() => d.next()).toThrow(e);
      }
    },
  );
});

describe('FrameDecoder behaviour', () => {
  it('decodes a 16 KiB piece pushed one byte at a time, copying it once', () => {
    const block = Uint8Array.from({ length: 16384 }, (_, i) => i * 7);
    const frame = encodeMessage({ type: 'piece', index: 1, begin: 0, block });
    const d = new FrameDecoder();
    let got: PeerMessage | null = null;
    for (let i = 0; i < frame.length; i++) {
      d.push(frame.subarray(i, i + 1));
      got = d.next() ?? got;
      // Never more than the frame's body (index + begin + block) is held.
      expect(d.buffered).toBeLessThan(8 + 16384);
    }
    expect(got).toEqual({ type: 'piece', index: 1, begin: 0, block });
    expect(d.buffered).toBe(0);
  });

  it('stays linear: a 1 MiB extended message in 1-byte chunks finishes (quadratic would time out)', () => {
    const payload = new Uint8Array(1024 * 1024 - 1).fill(0x61);
    const frame = encodeMessage({ type: 'extended', id: 2, payload });
    const d = new FrameDecoder();
    let got: PeerMessage | null = null;
    for (let i = 0; i < frame.length; i++) {
      d.push(frame.subarray(i, i + 1));
      if (i % 4096 === 0 || i === frame.length - 1) got = d.next() ?? got;
    }
    expect(got?.type).toBe('extended');
    expect(got?.type === 'extended' && got.payload.length).toBe(payload.length);
  });

  it('returns a view (no copy) when a frame sits inside one chunk, and never writes to it', () => {
    const chunk = encodeMessage({ type: 'piece', index: 0, begin: 0, block: Uint8Array.of(1, 2, 3) });
    const copy = chunk.slice();
    const [m] = decodeChunks([chunk]);
    expect(m?.type === 'piece' && m.block.buffer).toBe(chunk.buffer);
    expect(chunk).toEqual(copy);
  });

  it('keeps several frames in one chunk and a keep-alive between them', () => {
    const ms: PeerMessage[] = [{ type: 'choke' }, { type: 'keep-alive' }, { type: 'have', index: 3 }];
    expect(decodeChunks([encodeAll(ms)])).toEqual(ms);
  });

  it('skips unknown ids within the cap without buffering them, and counts them', () => {
    const d = new FrameDecoder({ maxFrame: 1000 });
    d.push(concat([be32(900), Uint8Array.of(0x42), new Uint8Array(10)]));
    expect(d.next()).toBeNull();
    expect(d.buffered).toBe(0);
    d.push(new Uint8Array(889));
    d.push(encodeMessage({ type: 'unchoke' }));
    expect(d.next()).toEqual({ type: 'unchoke' });
    expect(d.skipped).toBe(1);
  });

  it("rejects unknown ids with unknownIds: 'reject'", () => {
    const d = new FrameDecoder({ unknownIds: 'reject' });
    expectCode(() => d.push(rawFrame(0xff)), 'PEER_UNKNOWN_MESSAGE');
  });

  it('refuses fast messages without BEP 6 and extended messages without BEP 10', () => {
    expectCode(() => decodeChunks([encodeMessage({ type: 'have-all' })], { fast: false }), 'PEER_PROTOCOL');
    expectCode(
      () =>
        decodeChunks([encodeMessage({ type: 'extended', id: 0, payload: new Uint8Array(2) })], {
          extended: false,
        }),
      'PEER_PROTOCOL',
    );
    expect(
      decodeChunks([encodeMessage({ type: 'have', index: 1 })], { fast: false, extended: false }),
    ).toHaveLength(1);
  });

  it('setPieceCount applies to a bitfield whose header arrived before the metadata', () => {
    const d = new FrameDecoder();
    const f = rawFrame(5, Uint8Array.of(0xff, 0xff));
    d.push(f.subarray(0, 6));
    expect(d.next()).toBeNull();
    d.setPieceCount(10);
    d.push(f.subarray(6));
    expectCode(() => d.next(), 'PEER_PROTOCOL');
  });

  it('rejects a bad piece count (our bug)', () => {
    expect(() => new FrameDecoder({ pieceCount: -1 })).toThrow(RangeError);
    expect(() => new FrameDecoder({ maxFrame: 5 })).toThrow(RangeError);
  });
});
