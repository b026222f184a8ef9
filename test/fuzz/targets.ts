// Fuzz target registry (RELIABILITY (c)2). A target takes arbitrary bytes and must either return or
// throw a MagnetarError; anything else (TypeError, RangeError, a failed oracle) is a crash. Targets
// also check their own oracles (round trips, containment) and throw a plain Error when one fails.
//
// To add a target (wire, tracker, nm-frame, …): write a `FuzzTarget` next to the code it tests or
// here, add it to `targets` below, and put a few seed inputs under test/fuzz/corpus/<name>/.
// `npm test` replays every corpus file through its target (test/unit/fuzz-corpus.test.ts).
//
// Imports use `.ts` extensions and no TS-only runtime syntax (enums, namespaces, parameter
// properties), so this file runs under --experimental-strip-types as well as our Node 20 loader.

import { resolve, sep } from 'node:path';
import { decode, encode } from '../../native-host/src/bencode/index.ts';
import { MagnetarError } from '../../native-host/src/core/errors.ts';
import { dedupePaths } from '../../native-host/src/metainfo/dedupe-paths.ts';
import { parseMagnet, toMagnet } from '../../native-host/src/metainfo/magnet.ts';
import { parseTorrent } from '../../native-host/src/metainfo/parse.ts';
import { sanitizePath } from '../../native-host/src/metainfo/sanitize-path.ts';
import { bdecodeSeeds, magnetSeeds, metainfoSeeds, sanitizePathSeeds } from './seeds.ts';

export interface FuzzTarget {
  readonly name: string;
  /** One input. Return normally or throw MagnetarError; any other throw is a finding. */
  run(input: Uint8Array): void;
  /** Seeds generated in code; the corpus folder adds to them. */
  seeds(): Uint8Array[];
  /** Tokens the mutator splices in (format keywords, interesting numbers). */
  readonly dictionary: readonly string[];
}

/** Thrown by a target when one of its oracles fails: always a finding. */
export class OracleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OracleError';
  }
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new OracleError(message);
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const BENCODE_TOKENS = [
  'i',
  'e',
  'l',
  'd',
  ':',
  '-',
  '0',
  'i-0e',
  'i03e',
  '99999999999:',
  '4294967296:',
  '9:__proto__',
  '11:constructor',
  'de',
  'le',
  'i9223372036854775808e',
  'i9007199254740993e',
];

const bdecode: FuzzTarget = {
  name: 'bdecode',
  run(input) {
    const { value } = decode(input);
    // Oracle: the canonical form of what we decoded decodes and re-encodes to itself.
    const canon = encode(value);
    check(bytesEqual(encode(decode(canon).value), canon), 'encode∘decode is not stable on canonical bytes');
  },
  seeds: bdecodeSeeds,
  dictionary: BENCODE_TOKENS,
};

const metainfo: FuzzTarget = {
  name: 'metainfo',
  run(input) {
    const t = parseTorrent(input);
    const root = resolve('/fuzz-root');
    for (const f of t.files) {
      const p = resolve(root, t.name, ...f.path);
      check(p.startsWith(root + sep), `file path escapes the root: ${JSON.stringify(f.path)}`);
    }
    check(t.pieceHashes.length === t.pieceCount * 20, 'piece hash count');
    check(t.lastPieceLength > 0 && t.lastPieceLength <= t.pieceLength, 'last piece length');
    check(parseMagnet(toMagnet(t)).infoHashHex === t.infoHashHex, 'magnet round trip');
  },
  seeds: metainfoSeeds,
  dictionary: [
    ...BENCODE_TOKENS,
    '4:info',
    '4:name',
    '12:piece length',
    '6:pieces',
    '6:length',
    '5:files',
    '4:path',
    '4:attr1:p',
    '2:..',
    '3:CON',
    '8:announce',
    '13:announce-list',
    '7:private',
    '10:name.utf-8',
    '10:path.utf-8',
  ],
};

const magnet: FuzzTarget = {
  name: 'magnet',
  run(input) {
    const m = parseMagnet(new TextDecoder().decode(input));
    check(m.infoHash.length === 20, 'info-hash length');
    const again = parseMagnet(
      toMagnet({ infoHashHex: m.infoHashHex, name: m.name ?? '', announce: [m.trackers] }),
    );
    check(again.infoHashHex === m.infoHashHex, 'magnet round trip: hash');
    check(again.trackers.join('\n') === m.trackers.join('\n'), 'magnet round trip: trackers');
  },
  seeds: magnetSeeds,
  dictionary: [
    '&',
    '=',
    '%',
    '%00',
    '%zz',
    '+',
    'xt=urn:btih:',
    'tr=',
    'dn=',
    'x.pe=',
    'udp://',
    'http://',
    '[::1]:',
    ':0',
    '..',
  ],
};

const sanitize: FuzzTarget = {
  name: 'sanitize-path',
  // Input: paths separated by '\n', components by '/'. Bytes are decoded as UTF-8 (U+FFFD on errors).
  run(input) {
    const text = new TextDecoder().decode(input);
    const root = resolve('/fuzz-root');
    const paths = text.split('\n').map((line) => sanitizePath(line.split('/')));
    for (const p of paths) {
      check(resolve(root, ...p).startsWith(root + sep), `escapes the root: ${JSON.stringify(p)}`);
      check(JSON.stringify(sanitizePath(p)) === JSON.stringify(p), 'not idempotent');
    }
    const out = dedupePaths(paths).paths;
    const keys = new Set(out.map((p) => p.map((c) => c.normalize('NFC').toLowerCase()).join('/')));
    check(keys.size === out.length, 'duplicate paths after dedupe');
  },
  seeds: sanitizePathSeeds,
  dictionary: [
    '/',
    '\n',
    '..',
    '.',
    '\\',
    'C:',
    'CON',
    'nul.txt',
    '\u202e',
    '\u200b',
    '\0',
    ' ',
    ':',
    'A',
    'a',
  ],
};

export const targets: Readonly<Record<string, FuzzTarget>> = {
  bdecode,
  metainfo,
  magnet,
  'sanitize-path': sanitize,
};

export interface Outcome {
  /** The input was parsed without error (the mutator keeps such inputs as new bases). */
  readonly accepted: boolean;
  /** Set when the input produced anything but success or a MagnetarError. */
  readonly finding?: Error;
}

/** Runs `target` on `input` and classifies what happened. */
export function runOnce(target: FuzzTarget, input: Uint8Array): Outcome {
  try {
    target.run(input);
    return { accepted: true };
  } catch (e) {
    if (e instanceof MagnetarError) return { accepted: false };
    return { accepted: false, finding: e instanceof Error ? e : new Error(String(e)) };
  }
}
