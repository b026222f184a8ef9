// Property tests (RELIABILITY (c)1): round trips both ways, spans, and "arbitrary bytes give a value
// or a MagnetarError, never a RangeError or TypeError". Fixed seed so CI is reproducible.
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { type BValue, decode, encode, isDict } from '../../../native-host/src/bencode/index.ts';
import { MagnetarError } from '../../../native-host/src/core/errors.ts';
import { toLatin1 } from '../../../native-host/src/core/hex.ts';
import { plain } from './helpers.ts';

const params = { seed: 0x6d61676e, numRuns: 200 };

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const unsafeBig = fc
  .bigInt({ min: INT64_MIN, max: INT64_MAX })
  .filter((b) => b > BigInt(Number.MAX_SAFE_INTEGER) || b < BigInt(Number.MIN_SAFE_INTEGER));
const key = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'prototype', '', 'info'),
  fc.uint8Array({ maxLength: 12 }).map(toLatin1),
);

const { value: bvalue } = fc.letrec<{ value: BValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.uint8Array({ maxLength: 40 }),
    fc.maxSafeInteger(),
    unsafeBig,
    fc.array(tie('value'), { maxLength: 5 }),
    fc
      .uniqueArray(fc.tuple(key, tie('value')), { selector: (e) => e[0], maxLength: 5 })
      .map((entries) => new Map(entries) as BValue),
  ),
}));

// Byte soup biased toward bencode tokens, so mutations reach deep parser states.
const TOKENS = [
  'i',
  'e',
  'l',
  'd',
  ':',
  '-',
  '0',
  '1',
  '9',
  '3:abc',
  'i-0e',
  '99999999999:',
  '9:__proto__',
  'de',
];
const bencodeish = fc
  .array(fc.oneof(fc.constantFrom(...TOKENS), fc.string({ maxLength: 3 })), { maxLength: 40 })
  .map((parts) => new TextEncoder().encode(parts.join('')));

function decodesOrTypedError(b: Uint8Array): void {
  try {
    decode(b);
  } catch (e) {
    if (!(e instanceof MagnetarError)) throw e;
    expect(e.code.startsWith('BENCODE_')).toBe(true);
  }
}

describe('bencode properties', () => {
  test.prop([bvalue], params)('decode(encode(v)) ≅ v', (v) => {
    const b = encode(v);
    expect(plain(decode(b).value)).toEqual(plain(v));
  });

  test.prop([bvalue], params)('encode(decode(b)) === b for canonical b', (v) => {
    const b = encode(v);
    expect(encode(decode(b).value)).toEqual(b);
  });

  test.prop([bvalue], params)('every dict span re-decodes to the same value', (v) => {
    const b = encode(v);
    const stack: BValue[] = [decode(b).value];
    while (stack.length > 0) {
      const x = stack.pop()!;
      if (Array.isArray(x)) stack.push(...x);
      else if (isDict(x)) {
        for (const [k, child] of x) {
          const [s, e] = x.spans.get(k)!;
          expect(plain(decode(b.subarray(s, e)).value)).toEqual(plain(child));
          stack.push(child);
        }
      }
    }
  });

  test.prop([fc.uint8Array({ maxLength: 200 })], params)('arbitrary bytes → value or MagnetarError', (b) => {
    decodesOrTypedError(b);
  });

  test.prop([bencodeish], params)('bencode-like soup → value or MagnetarError', (b) => {
    decodesOrTypedError(b);
  });

  test.prop([bvalue, fc.nat(), fc.integer({ min: 0, max: 255 })], params)(
    'a canonical value with one byte changed → value or MagnetarError',
    (v, at, byte) => {
      const b = encode(v).slice();
      b[at % b.length] = byte;
      decodesOrTypedError(b);
    },
  );

  test.prop([bvalue, fc.nat()], params)('every strict prefix of a canonical value fails', (v, cut) => {
    const b = encode(v);
    const prefix = b.subarray(0, cut % b.length);
    expect(() => decode(prefix)).toThrow(MagnetarError);
  });

  test.prop([bvalue], params)('prototypes stay intact', (v) => {
    decode(encode(v));
    expect(({} as Record<string, unknown>)['admin']).toBeUndefined();
    expect(Object.keys(Object.prototype)).toEqual([]);
  });
});
