// The pure SHA-1 used for info-hashes must agree with node:crypto on every length and split.
import { createHash } from 'node:crypto';
import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { toHex } from '../../../native-host/src/core/hex.ts';
import { Sha1, sha1 } from '../../../native-host/src/core/sha1.ts';

const params = { seed: 0x5a1, numRuns: 200 };
const ref = (b: Uint8Array) => createHash('sha1').update(b).digest('hex');

test('FIPS 180 vectors', () => {
  const enc = new TextEncoder();
  expect(toHex(sha1(new Uint8Array(0)))).toBe('da39a3ee5e6b4b0d3255bfef95601890afd80709');
  expect(toHex(sha1(enc.encode('abc')))).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
  expect(toHex(sha1(enc.encode('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')))).toBe(
    '84983e441c3bd26ebaae4aa1f95129e5e54670f1',
  );
});

test('every length from 0 to 300 matches node:crypto', () => {
  for (let n = 0; n <= 300; n++) {
    const d = Uint8Array.from({ length: n }, (_, i) => (i * 31 + n) & 255);
    expect(toHex(sha1(d))).toBe(ref(d));
  }
});

test.prop([fc.uint8Array({ maxLength: 2000 }), fc.array(fc.nat({ max: 2000 }), { maxLength: 8 })], params)(
  'incremental updates at arbitrary split points match node:crypto',
  (data, cuts) => {
    const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
    const h = new Sha1();
    let prev = 0;
    for (const p of [...points, data.length]) {
      h.update(data.subarray(prev, p));
      prev = p;
    }
    expect(toHex(h.digest())).toBe(ref(data));
  },
);

test('1 MiB matches node:crypto', () => {
  const d = Uint8Array.from({ length: 1 << 20 }, (_, i) => (i * 7) & 255);
  expect(toHex(sha1(d))).toBe(ref(d));
});

test('digest twice throws a plain Error (a bug, not input)', () => {
  const h = new Sha1();
  h.digest();
  expect(() => h.digest()).toThrow();
});
