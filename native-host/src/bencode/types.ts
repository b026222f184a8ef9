// Bencode values. Byte strings stay bytes (Uint8Array); integers are numbers when exact and bigint
// beyond 2^53, so nothing is rounded. Dictionaries are a Map keyed by the Latin-1 form of the key
// bytes (lossless, and `__proto__` is an ordinary key).

export type BValue = Uint8Array | number | bigint | BValue[] | BDict;

/** A decoded dictionary that also remembers where each value's bytes were in the input. */
export class BDict extends Map<string, BValue> {
  /** Byte span [start, end) of each value in the decoded input; empty for dicts built in code. */
  readonly spans = new Map<string, readonly [number, number]>();
}

export function isDict(v: BValue | undefined): v is BDict {
  return v instanceof Map;
}

export function isBytes(v: BValue | undefined): v is Uint8Array {
  return v instanceof Uint8Array;
}

export function isList(v: BValue | undefined): v is BValue[] {
  return Array.isArray(v);
}

export function isInt(v: BValue | undefined): v is number | bigint {
  return typeof v === 'number' || typeof v === 'bigint';
}
