// Shared helpers for the peer-wire tests: message arbitraries, stream splitting, error checks.
import { fc } from '@fast-check/vitest';
import { expect } from 'vitest';
import { type ErrorCode, MagnetarError } from '../../../native-host/src/core/errors.ts';
import {
  encodeMessage,
  FrameDecoder,
  type FrameDecoderOptions,
  type PeerMessage,
} from '../../../native-host/src/wire/index.ts';

/** Fixed seed and run count for CI (RELIABILITY (c)1); `npm run fuzz` goes deeper. */
export const PROP = { seed: 0x5eed_1e, numRuns: 200 } as const;

export const u32 = (): fc.Arbitrary<number> => fc.integer({ min: 0, max: 0xffff_ffff });
const bytes = (maxLength: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ maxLength });

const block = fc.record({ index: u32(), begin: u32(), length: u32() });

/** Every PeerMessage variant, with fields across their whole wire range. */
export const arbMessage: fc.Arbitrary<PeerMessage> = fc.oneof(
  fc.constantFrom<PeerMessage>(
    { type: 'keep-alive' },
    { type: 'choke' },
    { type: 'unchoke' },
    { type: 'interested' },
    { type: 'not-interested' },
    { type: 'have-all' },
    { type: 'have-none' },
  ),
  u32().map((index): PeerMessage => ({ type: 'have', index })),
  bytes(64).map((bits): PeerMessage => ({ type: 'bitfield', bits })),
  block.map((b): PeerMessage => ({ type: 'request', ...b })),
  fc
    .record({ index: u32(), begin: u32(), block: bytes(300) })
    .map((p): PeerMessage => ({ type: 'piece', ...p })),
  block.map((b): PeerMessage => ({ type: 'cancel', ...b })),
  fc.integer({ min: 0, max: 0xffff }).map((port): PeerMessage => ({ type: 'port', port })),
  u32().map((index): PeerMessage => ({ type: 'suggest', index })),
  block.map((b): PeerMessage => ({ type: 'reject', ...b })),
  u32().map((index): PeerMessage => ({ type: 'allowed-fast', index })),
  fc
    .record({ id: fc.integer({ min: 0, max: 255 }), payload: bytes(200) })
    .map((e): PeerMessage => ({ type: 'extended', ...e })),
);

/** Feeds `chunks` to a fresh decoder, draining after each push as the contract asks. */
export function decodeChunks(chunks: readonly Uint8Array[], opts?: FrameDecoderOptions): PeerMessage[] {
  const d = new FrameDecoder(opts);
  const out: PeerMessage[] = [];
  for (const c of chunks) {
    d.push(c);
    for (let m = d.next(); m !== null; m = d.next()) out.push(m);
  }
  return out;
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function encodeAll(ms: readonly PeerMessage[]): Uint8Array {
  return concat(ms.map(encodeMessage));
}

/** Splits `buf` at the given cut points (any values; they are reduced modulo the length). */
export function splitAt(buf: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => (buf.length === 0 ? 0 : c % (buf.length + 1))))].sort(
    (a, b) => a - b,
  );
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(buf.subarray(prev, p));
    prev = p;
  }
  out.push(buf.subarray(prev));
  return out;
}

/** Big-endian u32 bytes. */
export function be32(v: number): Uint8Array {
  return Uint8Array.of(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
}

/** A raw frame: length prefix `length` (default: id + payload), then id and payload. */
export function rawFrame(id: number, payload: Uint8Array = new Uint8Array(0), length?: number): Uint8Array {
  return concat([be32(length ?? 1 + payload.length), Uint8Array.of(id), payload]);
}

export function catchMagnetar(fn: () => unknown): MagnetarError {
  try {
    fn();
  } catch (e) {
    if (e instanceof MagnetarError) return e;
    throw new Error(`expected a MagnetarError, got ${String(e)}`, { cause: e });
  }
  throw new Error('expected a MagnetarError, but nothing was thrown');
}

export function expectCode(fn: () => unknown, code: ErrorCode): MagnetarError {
  const e = catchMagnetar(fn);
  expect(e.code).toBe(code);
  return e;
}

export const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
