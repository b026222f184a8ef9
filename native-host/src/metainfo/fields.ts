// Typed accessors over decoded bencode dicts for the metainfo parser. Each one names the field and
// the error code so a bad torrent fails with a stable, specific code (RELIABILITY B10–B17).

import { type BDict, type BValue, isBytes, isDict, isList } from '../bencode/index.ts';
import { type ErrorCode, MagnetarError } from '../core/errors.ts';

const utf8Decoder = new TextDecoder('utf-8', { fatal: false });

/** UTF-8 text with invalid sequences replaced by U+FFFD (B16: never refuse a torrent for a name). */
export function text(b: Uint8Array): string {
  return utf8Decoder.decode(b);
}

export function fail(code: ErrorCode, message: string, details?: Record<string, unknown>): never {
  throw new MagnetarError(code, message, details);
}

/** Optional byte string; present but of another type is an error with `code`. */
export function optBytes(d: BDict, key: string, code: ErrorCode): Uint8Array | undefined {
  const v = d.get(key);
  if (v === undefined) return undefined;
  if (!isBytes(v)) fail(code, `"${key}" is not a byte string`);
  return v;
}

/**
 * Prefers the BEP-less but widespread `<key>.utf-8` variant (written by BitComet and uTorrent when the
 * main field is in a legacy code page) when it is a byte string; falls back to `key`.
 */
export function optTextPreferUtf8(d: BDict, key: string, code: ErrorCode): string | undefined {
  const alt = d.get(`${key}.utf-8`);
  if (isBytes(alt)) return text(alt);
  const b = optBytes(d, key, code);
  return b === undefined ? undefined : text(b);
}

/** Lenient optional text: a wrong type is ignored (comment, created by: cosmetic fields). */
export function looseText(d: BDict, key: string): string | undefined {
  const alt = d.get(`${key}.utf-8`);
  if (isBytes(alt)) return text(alt);
  const v = d.get(key);
  return isBytes(v) ? text(v) : undefined;
}

/** Lenient optional safe integer: wrong types and bigints are ignored. */
export function looseInt(d: BDict, key: string): number | undefined {
  const v = d.get(key);
  return typeof v === 'number' ? v : undefined;
}

/** A non-negative safe integer no larger than `max`; missing, bigint, negative or too large → `code`. */
export function reqCount(d: BDict, key: string, max: number, code: ErrorCode, what: string): number {
  const v: BValue | undefined = d.get(key);
  if (v === undefined) fail(code, `${what} is missing`);
  if (typeof v === 'bigint') fail(code, `${what} ${v} is too large`, { value: v.toString() });
  if (typeof v !== 'number') fail(code, `${what} is not an integer`);
  if (v < 0) fail(code, `${what} ${v} is negative`, { value: v });
  if (v > max) fail(code, `${what} ${v} is over the limit of ${max}`, { value: v, max });
  return v;
}

export function asDict(v: BValue | undefined): BDict | undefined {
  return isDict(v) ? v : undefined;
}

export function asList(v: BValue | undefined): BValue[] | undefined {
  return isList(v) ? v : undefined;
}
