// Canonical bencode encoder: dictionary keys sorted by their raw bytes, as BEP 3 requires.

import { concatBytes, fromLatin1 } from '../core/hex.ts';
import type { BValue } from './types.ts';

/** Input accepted by the encoder: decoded values plus plain strings and records for convenience. */
export type Encodable =
  | BValue
  | string
  | boolean
  | readonly Encodable[]
  | ReadonlyMap<string, Encodable>
  | { readonly [key: string]: Encodable | undefined };

const te = new TextEncoder();

export function encode(v: Encodable): Uint8Array {
  const parts: Uint8Array[] = [];
  const push = (b: Uint8Array) => {
    parts.push(b);
  };
  const ascii = (s: string) => push(te.encode(s));
  const walk = (x: Encodable, depth: number): void => {
    if (depth > 1000) throw new RangeError('bencode encode: value nested too deeply');
    if (x instanceof Uint8Array) {
      ascii(`${x.length}:`);
      push(x);
    } else if (typeof x === 'string') {
      const b = te.encode(x);
      ascii(`${b.length}:`);
      push(b);
    } else if (typeof x === 'number') {
      if (!Number.isSafeInteger(x)) throw new RangeError(`bencode encode: ${x} is not an exact integer`);
      ascii(`i${x}e`);
    } else if (typeof x === 'bigint') {
      ascii(`i${x}e`);
    } else if (typeof x === 'boolean') {
      ascii(`i${x ? 1 : 0}e`);
    } else if (Array.isArray(x)) {
      ascii('l');
      for (const item of x as readonly Encodable[]) walk(item, depth + 1);
      ascii('e');
    } else {
      const entries: [Uint8Array, Encodable][] = [];
      if (x instanceof Map) {
        // Map keys are Latin-1 forms of raw bytes (see types.ts).
        for (const [k, val] of x as ReadonlyMap<string, Encodable>) entries.push([fromLatin1(k), val]);
      } else {
        for (const [k, val] of Object.entries(x as Record<string, Encodable | undefined>)) {
          if (val !== undefined) entries.push([te.encode(k), val]);
        }
      }
      entries.sort((a, b) => compare(a[0], b[0]));
      ascii('d');
      for (const [k, val] of entries) {
        ascii(`${k.length}:`);
        push(k);
        walk(val, depth + 1);
      }
      ascii('e');
    }
  };
  walk(v, 0);
  return concatBytes(parts);
}

function compare(a: Uint8Array, b: Uint8Array): number {
  const m = Math.min(a.length, b.length);
  for (let i = 0; i < m; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}
