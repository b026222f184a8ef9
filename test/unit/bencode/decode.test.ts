// RELIABILITY B1–B9: each bad input named, with the error code it must produce.
import { describe, expect, test } from 'vitest';
import { BDict, decode, encode } from '../../../native-host/src/bencode/index.ts';
import { MAX_BENCODE_DEPTH, MAX_BENCODE_TOKENS } from '../../../native-host/src/core/limits.ts';
import { ascii, catchMagnetar, expectCode, latin1 } from './helpers.ts';

const dec = (s: string) => decode(latin1(s)).value;

describe('B1 negative string length', () => {
  test.each(['l-3:e', 'd-3:fooi1ee', '-3:abc', 'd3:foo-1:xe'])('%s → BENCODE_SYNTAX with an offset', (s) => {
    const e = expectCode(() => dec(s), 'BENCODE_SYNTAX');
    expect(typeof e.details?.['offset']).toBe('number');
  });
});

describe('B2 length beyond the input or the limit', () => {
  test.each(['4294967296:x', '99999999999:', 'l99999999999999999999999:e', '9007199254740993:a'])(
    '%s → BENCODE_LENGTH before allocating',
    (s) => {
      expectCode(() => dec(s), 'BENCODE_LENGTH');
    },
  );
  test('a length longer than the whole input → BENCODE_LENGTH; longer than what is left → TRUNCATED', () => {
    expectCode(() => dec('10:abc'), 'BENCODE_LENGTH');
    expectCode(() => dec('l5:abe'), 'BENCODE_TRUNCATED');
  });
  test('leading zero in a length → BENCODE_SYNTAX', () => {
    expectCode(() => dec('01:a'), 'BENCODE_SYNTAX');
  });
});

describe('B3 truncated values', () => {
  test.each([
    ['5:ab', 'BENCODE_LENGTH'], // the length exceeds the whole input
    ['l5:ab', 'BENCODE_TRUNCATED'],
    ['i42', 'BENCODE_TRUNCATED'],
    ['l1:a', 'BENCODE_TRUNCATED'],
    ['d1:a', 'BENCODE_TRUNCATED'],
    ['d1:ae', 'BENCODE_SYNTAX'], // key without value
    ['d', 'BENCODE_TRUNCATED'],
    ['5', 'BENCODE_LENGTH'],
    ['12', 'BENCODE_LENGTH'],
    ['1', 'BENCODE_TRUNCATED'],
    ['', 'BENCODE_TRUNCATED'],
    ['i', 'BENCODE_TRUNCATED'],
  ] as const)('%s → %s, never a short value', (s, code) => {
    expectCode(() => dec(s), code);
  });
});

describe('B4 deep nesting', () => {
  test('200,000 × l → BENCODE_DEPTH, no RangeError', () => {
    const buf = new Uint8Array(200_000).fill(0x6c);
    expectCode(() => decode(buf), 'BENCODE_DEPTH');
  });
  test('200,000 × d1:a → BENCODE_DEPTH', () => {
    expectCode(() => decode(ascii('d1:a'.repeat(200_000))), 'BENCODE_DEPTH');
  });
  test(`exactly ${MAX_BENCODE_DEPTH} levels decode; one more fails`, () => {
    const ok = 'l'.repeat(MAX_BENCODE_DEPTH) + 'e'.repeat(MAX_BENCODE_DEPTH);
    expect(decode(ascii(ok)).end).toBe(ok.length);
    const bad = 'l'.repeat(MAX_BENCODE_DEPTH + 1) + 'e'.repeat(MAX_BENCODE_DEPTH + 1);
    expectCode(() => decode(ascii(bad)), 'BENCODE_DEPTH');
  });
});

describe('B5 token bombs', () => {
  test('10 MB of i0e in a list → BENCODE_TOKENS', () => {
    const n = Math.ceil(10_000_000 / 3);
    const buf = new Uint8Array(n * 3 + 2);
    buf[0] = 0x6c;
    for (let i = 0; i < n; i++) buf.set([0x69, 0x30, 0x65], 1 + i * 3);
    buf[buf.length - 1] = 0x65;
    expect(n).toBeGreaterThan(MAX_BENCODE_TOKENS);
    expectCode(() => decode(buf), 'BENCODE_TOKENS');
  });
  test('a custom token cap applies', () => {
    // l, i0e, i0e, e: the closing 'e' counts too.
    expectCode(() => decode(ascii('li0ei0ei0ee'), { maxTokens: 4 }), 'BENCODE_TOKENS');
    expect(decode(ascii('li0ei0ee'), { maxTokens: 4 }).value).toEqual([0, 0]);
  });
});

describe('B6 non-canonical or oversized integers', () => {
  test.each(['i-0e', 'i03e', 'i+1e', 'i1.5e', 'ie', 'i-e', 'i--1e', 'i 1e', 'i1 e', 'i0x1e', 'i-03e'])(
    '%s → BENCODE_INTEGER',
    (s) => {
      expectCode(() => dec(s), 'BENCODE_INTEGER');
    },
  );
  test('above int64 → BENCODE_INTEGER', () => {
    expectCode(() => dec('i9223372036854775808e'), 'BENCODE_INTEGER');
    expectCode(() => dec('i-9223372036854775809e'), 'BENCODE_INTEGER');
    expectCode(() => dec(`i${'9'.repeat(400)}e`), 'BENCODE_INTEGER');
  });
  test('2^53+1 decodes exactly as a bigint', () => {
    expect(dec('i9007199254740993e')).toBe(9007199254740993n);
    expect(dec('i-9007199254740993e')).toBe(-9007199254740993n);
  });
  test('int64 bounds decode exactly', () => {
    expect(dec('i9223372036854775807e')).toBe(9223372036854775807n);
    expect(dec('i-9223372036854775808e')).toBe(-9223372036854775808n);
  });
  test('safe integers stay numbers', () => {
    expect(dec('i9007199254740991e')).toBe(Number.MAX_SAFE_INTEGER);
    expect(dec('i0e')).toBe(0);
    expect(Object.is(dec('i0e'), -0)).toBe(false);
    expect(dec('i-42e')).toBe(-42);
  });
});

describe('B7 __proto__ and constructor keys', () => {
  test('d9:__proto__d5:admini1eee is an ordinary key', () => {
    const v = dec('d9:__proto__d5:admini1eee');
    expect(v).toBeInstanceOf(BDict);
    const d = v as BDict;
    expect([...d.keys()]).toEqual(['__proto__']);
    expect((d.get('__proto__') as BDict).get('admin')).toBe(1);
    expect(({} as Record<string, unknown>)['admin']).toBeUndefined();
    expect(Object.getPrototypeOf(d)).toBe(BDict.prototype);
  });
  test('constructor, toString and hasOwnProperty are ordinary keys', () => {
    const d = dec('d11:constructori1e14:hasOwnPropertyi2e8:toStringi3ee') as BDict;
    expect(d.get('constructor')).toBe(1);
    expect(d.get('hasOwnProperty')).toBe(2);
    expect(d.get('toString')).toBe(3);
    expect(encode(d)).toEqual(latin1('d11:constructori1e14:hasOwnPropertyi2e8:toStringi3ee'));
  });
});

describe('B8 unsorted and duplicate keys', () => {
  test('duplicate keys → BENCODE_DUPLICATE_KEY', () => {
    expectCode(() => dec('d1:ai1e1:ai2ee'), 'BENCODE_DUPLICATE_KEY');
    expectCode(() => dec('d1:ai1e1:bi2e1:ai3ee'), 'BENCODE_DUPLICATE_KEY');
  });
  test('unsorted keys are tolerated by default and refused when asked', () => {
    const d = dec('d1:bi1e1:ai2ee') as BDict;
    expect([...d.keys()]).toEqual(['b', 'a']);
    expectCode(() => decode(ascii('d1:bi1e1:ai2ee'), { requireSortedKeys: true }), 'BENCODE_SYNTAX');
  });
  test('spans point at the raw value bytes, not a re-encoding', () => {
    const src = ascii('d4:infod1:bi1e1:ai2ee1:xi0ee');
    const d = decode(src).value as BDict;
    const [s, e] = d.spans.get('info')!;
    expect(new TextDecoder().decode(src.subarray(s, e))).toBe('d1:bi1e1:ai2ee');
  });
});

describe('B9 trailing bytes', () => {
  test('i42eJUNK → BENCODE_TRAILING by default', () => {
    expectCode(() => dec('i42eJUNK'), 'BENCODE_TRAILING');
  });
  test('allowTrailing reports the bytes consumed', () => {
    const r = decode(ascii('d1:ai1eeXYZ'), { allowTrailing: true });
    expect(r.end).toBe(8);
    expect((r.value as BDict).get('a')).toBe(1);
  });
});

describe('other syntax errors', () => {
  test.each(['e', 'x', 'le e', 'di1ei2ee', 'dlei1ee', 'ddeei1ee', 'i1ee'])('%s → a MagnetarError', (s) => {
    const e = catchMagnetar(() => dec(s));
    expect(e.code.startsWith('BENCODE_')).toBe(true);
  });
  test('empty containers and strings decode', () => {
    expect(dec('le')).toEqual([]);
    expect((dec('de') as BDict).size).toBe(0);
    expect(dec('0:')).toEqual(new Uint8Array(0));
  });
});
