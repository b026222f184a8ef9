// Shared helpers for bencode and metainfo tests.
import { expect } from 'vitest';
import { type BValue, isDict } from '../../../native-host/src/bencode/index.ts';
import { type ErrorCode, MagnetarError } from '../../../native-host/src/core/errors.ts';
import { toHex } from '../../../native-host/src/core/hex.ts';

export const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Latin-1 bytes: one byte per char (for hand-written bencode containing raw bytes). */
export const latin1 = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);

/** Runs `fn` and returns the MagnetarError it throws; fails the test on success or any other throw. */
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

export async function expectCodeAsync(p: Promise<unknown>, code: ErrorCode): Promise<void> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(MagnetarError);
    expect((e as MagnetarError).code).toBe(code);
    return;
  }
  throw new Error('expected a MagnetarError, but the promise resolved');
}

export type Plain = string | { n: string } | Plain[] | { d: [string, Plain][] };

/**
 * A comparable form of a bencode value: integers by their decimal text (so 5 and 5n compare equal:
 * the decoder returns numbers when exact), bytes as hex, dict entries sorted by key.
 */
export function plain(v: BValue): Plain {
  if (v instanceof Uint8Array) return toHex(v);
  if (typeof v === 'number' || typeof v === 'bigint') return { n: v.toString() };
  if (Array.isArray(v)) return v.map(plain);
  if (isDict(v)) {
    const entries = [...v.entries()].map(([k, x]): [string, Plain] => [k, plain(x)]);
    entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return { d: entries };
  }
  throw new Error('not a bencode value');
}
