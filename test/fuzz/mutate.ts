// A small coverage-blind mutator (RELIABILITY (c)2): insert, delete, flip, replace, duplicate,
// splice with another corpus entry, and dictionary tokens. Deterministic for a given seed.

/** xorshift32: tiny, seedable, good enough to pick mutations. */
export function makeRng(seed: number): (n: number) => number {
  let s = seed >>> 0 || 0x9e3779b9;
  return (n: number) => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return n <= 0 ? 0 : s % n;
  };
}

const te = new TextEncoder();

const INTERESTING = [
  '-1',
  '0',
  '1',
  '255',
  '256',
  '65535',
  '65536',
  '2147483648',
  '4294967296',
  '9007199254740993',
  '99999999999',
];

function splice(a: Uint8Array, at: number, delWanted: number, ins: Uint8Array): Uint8Array {
  const del = Math.min(delWanted, a.length - at);
  const out = new Uint8Array(a.length - del + ins.length);
  out.set(a.subarray(0, at), 0);
  out.set(ins, at);
  out.set(a.subarray(at + del), at + ins.length);
  return out;
}

/** One to four mutations of `input`, the result capped at `maxLen` bytes. */
export function mutate(
  input: Uint8Array,
  corpus: readonly Uint8Array[],
  dictionary: readonly string[],
  rnd: (n: number) => number,
  maxLen: number,
): Uint8Array {
  let b = input;
  const rounds = 1 + rnd(4);
  for (let r = 0; r < rounds; r++) {
    const at = rnd(b.length + 1);
    switch (rnd(9)) {
      case 0: // insert random bytes
        b = splice(
          b,
          at,
          0,
          Uint8Array.from({ length: 1 + rnd(4) }, () => rnd(256)),
        );
        break;
      case 1: // delete a range
        b = splice(b, at, Math.min(b.length - at, 1 + rnd(16)), new Uint8Array(0));
        break;
      case 2: // flip a bit
        if (b.length > 0) {
          b = b.slice();
          const i = rnd(b.length);
          b[i] = b[i]! ^ (1 << rnd(8));
        }
        break;
      case 3: // replace a byte
        if (b.length > 0) {
          b = b.slice();
          b[rnd(b.length)] = rnd(256);
        }
        break;
      case 4: // duplicate a range (repetition finds depth and token limits)
        if (b.length > 0) {
          const start = rnd(b.length);
          const len = 1 + rnd(Math.min(64, b.length - start));
          const piece = b.subarray(start, start + len);
          const times = 1 + rnd(rnd(2) === 0 ? 4 : 256);
          const rep = new Uint8Array(len * times);
          for (let k = 0; k < times; k++) rep.set(piece, k * len);
          b = splice(b, start, 0, rep);
        }
        break;
      case 5: // splice in part of another corpus entry
        if (corpus.length > 0) {
          const other = corpus[rnd(corpus.length)]!;
          const s = rnd(other.length + 1);
          b = splice(b, at, rnd(8), other.subarray(s, s + rnd(other.length - s + 1)));
        }
        break;
      case 6: // dictionary token
      case 7:
        if (dictionary.length > 0) b = splice(b, at, rnd(3), te.encode(dictionary[rnd(dictionary.length)]!));
        break;
      default: // an interesting number
        b = splice(b, at, rnd(3), te.encode(INTERESTING[rnd(INTERESTING.length)]!));
    }
    if (b.length > maxLen) b = b.subarray(0, maxLen);
  }
  return b;
}
