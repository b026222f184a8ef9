// Strict bencode decoder (BEP 3). It never allocates more than the input it was given: string
// lengths are checked against the remaining bytes before slicing, depth and token counts are capped,
// and integers must be canonical. Errors carry the byte offset.

import { type ErrorCode, MagnetarError } from '../core/errors.ts';
import { MAX_BENCODE_DEPTH, MAX_BENCODE_TOKENS } from '../core/limits.ts';
import { BDict, type BValue } from './types.ts';

export interface DecodeOptions {
  maxDepth?: number;
  maxTokens?: number;
  /** Allow bytes after the root value (ut_metadata pieces carry data after their dict). */
  allowTrailing?: boolean;
  /** Reject dictionaries whose keys are not sorted (v1 info dicts in the wild are not always). */
  requireSortedKeys?: boolean;
}

export interface Decoded {
  value: BValue;
  /** Offset just past the root value. */
  end: number;
}

const D = 0x64; // d
const L = 0x6c; // l
const I = 0x69; // i
const E = 0x65; // e
const COLON = 0x3a;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;

function fail(code: ErrorCode, msg: string, offset: number): never {
  throw new MagnetarError(code, `bencode: ${msg} at offset ${offset}`, { offset });
}

/** Decodes one bencoded value from `buf`; throws MagnetarError with a BENCODE_* code. */
export function decode(buf: Uint8Array, opts: DecodeOptions = {}): Decoded {
  const maxDepth = opts.maxDepth ?? MAX_BENCODE_DEPTH;
  const maxTokens = opts.maxTokens ?? MAX_BENCODE_TOKENS;
  let pos = 0;
  let tokens = 0;
  const n = buf.length;

  // Iterative parsing with an explicit stack: a hostile depth can never overflow the JS stack.
  type Frame =
    | { kind: 'list'; list: BValue[] }
    | { kind: 'dict'; dict: BDict; key: string | null; keyBytes: Uint8Array | null; start: number };
  const stack: Frame[] = [];
  let root: BValue | undefined;

  const readString = (): Uint8Array => {
    const start = pos;
    let len = 0;
    let digits = 0;
    while (pos < n && buf[pos]! >= ZERO && buf[pos]! <= NINE) {
      if (digits === 1 && len === 0) fail('BENCODE_SYNTAX', 'string length with a leading zero', start);
      len = len * 10 + (buf[pos]! - ZERO);
      digits++;
      // Anything longer than the input is a lie; stop before the number gets big.
      if (len > n) fail('BENCODE_LENGTH', 'string length beyond the input', start);
      pos++;
    }
    if (digits === 0) fail('BENCODE_SYNTAX', 'expected a value', start);
    if (pos >= n) fail('BENCODE_TRUNCATED', 'truncated string length', start);
    if (buf[pos] !== COLON) fail('BENCODE_SYNTAX', "expected ':' after string length", pos);
    pos++;
    if (len > n - pos) fail('BENCODE_TRUNCATED', `string of ${len} bytes runs past the end`, start);
    const s = buf.subarray(pos, pos + len);
    pos += len;
    return s;
  };

  const readInt = (): number | bigint => {
    const start = pos;
    pos++; // 'i'
    const digitsStart = pos;
    let neg = false;
    if (pos < n && buf[pos] === MINUS) {
      neg = true;
      pos++;
    }
    const first = pos;
    while (pos < n && buf[pos]! >= ZERO && buf[pos]! <= NINE) {
      pos++;
      if (pos - first > 20) fail('BENCODE_INTEGER', 'integer too long', start);
    }
    if (pos >= n) fail('BENCODE_TRUNCATED', 'truncated integer', start);
    if (buf[pos] !== E) fail('BENCODE_INTEGER', 'invalid integer', start);
    const len = pos - first;
    if (len === 0) fail('BENCODE_INTEGER', 'empty integer', start);
    if (buf[first] === ZERO && (len > 1 || neg)) fail('BENCODE_INTEGER', 'non-canonical integer', start);
    let text = '';
    for (let k = digitsStart; k < pos; k++) text += String.fromCharCode(buf[k]!);
    pos++; // 'e'
    const big = BigInt(text);
    if (big > 0x7fff_ffff_ffff_ffffn || big < -0x8000_0000_0000_0000n) {
      fail('BENCODE_INTEGER', 'integer beyond 64 bits', start);
    }
    return big <= BigInt(Number.MAX_SAFE_INTEGER) && big >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(big)
      : big;
  };

  // Called with each completed value; attaches it to the open container or makes it the root.
  const emit = (v: BValue, start: number): void => {
    const top = stack[stack.length - 1];
    if (!top) {
      root = v;
      return;
    }
    if (top.kind === 'list') {
      top.list.push(v);
      return;
    }
    if (top.key === null) {
      if (!(v instanceof Uint8Array)) fail('BENCODE_SYNTAX', 'dictionary key is not a string', start);
      const key = latin1(v);
      if (top.dict.has(key)) fail('BENCODE_DUPLICATE_KEY', `duplicate key "${printable(key)}"`, start);
      if (opts.requireSortedKeys && top.keyBytes && compareBytes(top.keyBytes, v) >= 0) {
        fail('BENCODE_SYNTAX', 'dictionary keys not sorted', start);
      }
      top.key = key;
      top.keyBytes = v;
      return;
    }
    top.dict.set(top.key, v);
    top.dict.spans.set(top.key, [start, pos]);
    top.key = null;
  };

  const valueStarts: number[] = [];
  do {
    if (pos >= n) fail('BENCODE_TRUNCATED', 'unexpected end of input', pos);
    if (++tokens > maxTokens) fail('BENCODE_TOKENS', `more than ${maxTokens} tokens`, pos);
    const c = buf[pos]!;
    const start = pos;
    if (c === E) {
      const top = stack.pop();
      if (!top) fail('BENCODE_SYNTAX', "unexpected 'e'", pos);
      if (top.kind === 'dict' && top.key !== null)
        fail('BENCODE_SYNTAX', 'dictionary key without a value', pos);
      pos++;
      const s = valueStarts.pop()!;
      emit(top.kind === 'list' ? top.list : top.dict, s);
    } else if (c === L || c === D) {
      if (stack.length >= maxDepth) fail('BENCODE_DEPTH', `nesting deeper than ${maxDepth}`, pos);
      // A container can only be a dict value or list item, never a key.
      const top = stack[stack.length - 1];
      if (top?.kind === 'dict' && top.key === null)
        fail('BENCODE_SYNTAX', 'dictionary key is not a string', pos);
      pos++;
      valueStarts.push(start);
      stack.push(
        c === L
          ? { kind: 'list', list: [] }
          : { kind: 'dict', dict: new BDict(), key: null, keyBytes: null, start },
      );
    } else if (c === I) {
      emit(readInt(), start);
    } else if (c >= ZERO && c <= NINE) {
      emit(readString(), start);
    } else {
      fail('BENCODE_SYNTAX', `unexpected byte 0x${c.toString(16)}`, pos);
    }
  } while (stack.length > 0);

  if (!opts.allowTrailing && pos !== n) fail('BENCODE_TRAILING', `${n - pos} bytes after the value`, pos);
  return { value: root!, end: pos };
}

function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 4096) s += String.fromCharCode(...b.subarray(i, i + 4096));
  return s;
}

function printable(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, '?').slice(0, 64);
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const m = Math.min(a.length, b.length);
  for (let i = 0; i < m; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}
