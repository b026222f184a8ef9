import { fc, test as fcTest } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { MAX_NM_IN_FRAME_BYTES } from '../../../native-host/src/core/limits.ts';
import { encodeFrame, FrameReader, jsonBytes, utf8Length } from '../../../native-host/src/nm/framing.ts';
import { frame, rawFrame } from './support.ts';

function chunked(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...points, bytes.length]) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  return out;
}

describe('FrameReader', () => {
  fcTest.prop([
    fc.array(fc.jsonValue(), { minLength: 1, maxLength: 8 }),
    fc.array(fc.nat(), { maxLength: 12 }),
  ])('round-trips any JSON values however the bytes are chunked', (values, cuts) => {
    const all = Buffer.concat(values.map((v) => frame(v)));
    const r = new FrameReader();
    const got = chunked(all, cuts).flatMap((c) => r.push(c));
    expect(got.map((e) => (e.kind === 'message' ? e.value : e))).toEqual(
      values.map((v) => JSON.parse(JSON.stringify(v))),
    );
    expect(r.buffered).toBe(0);
    expect(r.end()).toBeNull();
  });

  fcTest.prop([fc.uint8Array({ maxLength: 2000 }), fc.array(fc.nat(), { maxLength: 10 })])(
    'arbitrary bytes never throw and never buffer more than was given',
    (bytes, cuts) => {
      const r = new FrameReader(1024);
      let fed = 0;
      for (const c of chunked(bytes, cuts)) {
        fed += c.length;
        for (const e of r.push(c)) expect(['message', 'error', 'fatal']).toContain(e.kind);
        expect(r.buffered).toBeLessThanOrEqual(fed);
      }
      r.end();
    },
  );

  it('a 4 GB length prefix is fatal at once, before any body arrives', () => {
    const r = new FrameReader();
    const head = Buffer.from([0xff, 0xff, 0xff, 0xff]);
    const ev = r.push(Buffer.concat([head, Buffer.alloc(10, 0x61)]));
    expect(ev).toEqual([expect.objectContaining({ kind: 'fatal', code: 'FRAME_TOO_LARGE' })]);
    expect(r.closed).toBe(true);
    expect(r.push(frame({ a: 1 }))).toEqual([]);
  });

  it('does not allocate the announced length before the bytes arrive', () => {
    const r = new FrameReader();
    const before = process.memoryUsage().arrayBuffers;
    const h = Buffer.alloc(4);
    h.writeUInt32LE(MAX_NM_IN_FRAME_BYTES, 0);
    expect(r.push(h)).toEqual([]);
    expect(r.push(Buffer.alloc(10))).toEqual([]);
    expect(r.buffered).toBe(10);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(4 * 1024 * 1024);
  });

  it('accepts a frame of exactly the cap and refuses one byte more', () => {
    const ok = new FrameReader(100);
    const body = Buffer.from(JSON.stringify('x'.repeat(98)));
    expect(body.length).toBe(100);
    expect(ok.push(rawFrame(body))[0]).toMatchObject({ kind: 'message' });
    const big = new FrameReader(99);
    expect(big.push(rawFrame(body))[0]).toMatchObject({ kind: 'fatal', code: 'FRAME_TOO_LARGE' });
  });

  it('zero length, bad UTF-8 and bad JSON are per-frame errors; the stream continues', () => {
    const r = new FrameReader();
    const ev = r.push(
      Buffer.concat([
        Buffer.from([0, 0, 0, 0]),
        rawFrame(Buffer.from([0x22, 0xff, 0xfe, 0x22])),
        rawFrame(Buffer.from('{"a":')),
        frame({ ok: true }),
      ]),
    );
    expect(ev.map((e) => (e.kind === 'message' ? e.value : e.code))).toEqual([
      'FRAME_EMPTY',
      'BAD_UTF8',
      'BAD_JSON',
      { ok: true },
    ]);
  });

  it('a partial frame then EOF is reported as truncated', () => {
    const r = new FrameReader();
    r.push(frame({ a: 1 }).subarray(0, 7));
    expect(r.end()).toMatchObject({ kind: 'fatal', code: 'FRAME_TRUNCATED' });
    const h = new FrameReader();
    h.push(Buffer.from([5, 0]));
    expect(h.end()).toMatchObject({ code: 'FRAME_TRUNCATED' });
  });
});

describe('encodeFrame', () => {
  it('writes a little-endian length and refuses bodies over the limit', () => {
    const e = encodeFrame({ a: 'é' });
    expect(e.ok).toBe(true);
    if (!e.ok) return;
    expect(Buffer.from(e.frame).readUInt32LE(0)).toBe(e.frame.length - 4);
    expect(encodeFrame('x'.repeat(2 * 1024 * 1024))).toEqual({ ok: false, bytes: 2 * 1024 * 1024 + 2 });
  });

  fcTest.prop([fc.string({ unit: 'binary', maxLength: 200 })])(
    'utf8Length matches Buffer.byteLength',
    (s) => {
      expect(utf8Length(s)).toBe(Buffer.byteLength(s, 'utf8'));
      expect(jsonBytes(s)).toBe(Buffer.byteLength(JSON.stringify(s)));
    },
  );
});
