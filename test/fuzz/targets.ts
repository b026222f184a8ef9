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
import { MAX_PEERS_PER_ANNOUNCE } from '../../native-host/src/core/limits.ts';
import { dedupePaths } from '../../native-host/src/metainfo/dedupe-paths.ts';
import { parseMagnet, toMagnet } from '../../native-host/src/metainfo/magnet.ts';
import { parseTorrent } from '../../native-host/src/metainfo/parse.ts';
import { sanitizePath } from '../../native-host/src/metainfo/sanitize-path.ts';
import { parseAnnounceBody, parseScrapeBody } from '../../native-host/src/tracker/http-codec.ts';
import { MAX_ANNOUNCE_INTERVAL_S, MIN_ANNOUNCE_INTERVAL_S } from '../../native-host/src/tracker/policy.ts';
import type { AnnounceResponse } from '../../native-host/src/tracker/types.ts';
import { decodeUdpResponse } from '../../native-host/src/tracker/udp-codec.ts';
import { bdecodeSeeds, magnetSeeds, metainfoSeeds, sanitizePathSeeds } from './seeds.ts';
import { wireSeeds, wireTarget } from './wire-target.ts';

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

const wire: FuzzTarget = {
  name: 'wire',
  // Layout and oracles: see wire-target.ts (byte 0 = decoder options, byte 1 = chunking seed).
  run: wireTarget,
  seeds: wireSeeds,
  dictionary: [
    '\x00\x00\x00\x00',
    '\x00\x00\x00\x01',
    '\x00\x00\x00\x05\x04',
    '\x00\x00\x00\x0d\x06',
    '\x00\x00\x40\x09\x07',
    '\xff\xff\xff\xff',
    '\x13BitTorrent protocol',
    'd1:md11:ut_metadatai1eee',
    '8:msg_type',
    '10:total_size',
    '5:added',
  ],
};

/** RELIABILITY T21/T24: what any tracker answer may produce once parsed. */
function checkAnnounce(r: AnnounceResponse, width: 'v4' | 'v6' | 'any'): void {
  check(
    Number.isInteger(r.interval) &&
      r.interval >= MIN_ANNOUNCE_INTERVAL_S &&
      r.interval <= MAX_ANNOUNCE_INTERVAL_S,
    `interval ${r.interval} not clamped`,
  );
  check(r.minInterval === undefined || r.minInterval <= r.interval, 'min interval above interval');
  check(r.peers.length <= MAX_PEERS_PER_ANNOUNCE, `${r.peers.length} peers over the cap`);
  const seen = new Set<string>();
  for (const p of r.peers) {
    check(Number.isInteger(p.port) && p.port >= 2 && p.port <= 65535, `dialable port ${p.port}`);
    check(
      !['0.0.0.0', '255.255.255.255', '::'].includes(p.host) && !/^2(2[4-9]|3\d)\./.test(p.host),
      `undialable host ${p.host}`,
    );
    if (width === 'v4') check(/^\d+\.\d+\.\d+\.\d+$/.test(p.host), `not an IPv4 peer: ${p.host}`);
    if (width === 'v6') check(p.host.includes(':'), `not an IPv6 peer: ${p.host}`);
    const key = `${p.host}|${p.port}`;
    check(!seen.has(key), `duplicate peer ${key}`);
    seen.add(key);
  }
  check(r.warning === undefined || r.warning.length <= 1025, 'warning not truncated');
}

const SCRAPE_HASH = new Uint8Array(20).fill(0x61);

const httpTrackerBody: FuzzTarget = {
  name: 'http-tracker-body',
  // The whole input is an HTTP response body (the client has already capped it at 1 MiB).
  run(input) {
    let announceError: unknown = null;
    try {
      checkAnnounce(parseAnnounceBody(input), 'any');
    } catch (e) {
      announceError = e;
    }
    try {
      const e = parseScrapeBody(input, SCRAPE_HASH);
      if (e)
        for (const n of [e.complete, e.downloaded, e.incomplete])
          check(n === undefined || n >= 0, 'count < 0');
    } catch (e) {
      if (!(e instanceof MagnetarError)) throw e;
    }
    if (announceError !== null) throw announceError;
  },
  seeds: () =>
    [
      'd8:intervali1800e5:peers6:\x7f\x00\x00\x01\x1a\xe1e',
      'd8:completei3e10:incompletei1e8:intervali0e12:min intervali-5e5:peers12:\x0a\x00\x00\x01\x00\x01\xe0\x00\x00\x01\x1a\xe1e',
      'd8:intervali1000000000e5:peersld2:ip9:127.0.0.14:porti6881eed2:ip11:example.com4:porti80eed2:ip3:::14:porti-1eeee',
      'd14:failure reason12:unregisterede',
      'd15:warning message4:slow8:intervali900e10:tracker id3:abc6:peers618:\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x1a\xe1e',
      '<html><body>200 OK</body></html>',
      'd5:filesd20:aaaaaaaaaaaaaaaaaaaad8:completei5e10:downloadedi50e10:incompletei2eeee',
    ].map((s) => Uint8Array.from(s, (c) => c.charCodeAt(0))),
  dictionary: [
    ...BENCODE_TOKENS,
    '8:interval',
    '12:min interval',
    '5:peers',
    '6:peers6',
    '2:ip',
    '4:port',
    '14:failure reason',
    '15:warning message',
    '10:tracker id',
    '8:complete',
    '10:incomplete',
    '5:files',
    'i65536e',
    'i0e',
    '9:127.0.0.1',
    '7:0.0.0.0',
  ],
};

const udpTrackerPacket: FuzzTarget = {
  name: 'udp-tracker-packet',
  // The input is one datagram; it is decoded as from an IPv4 and an IPv6 tracker. BEP 15 decoding
  // classifies and never throws (T25: anyone can send us a datagram), so any throw is a finding.
  run(input) {
    for (const ipv6 of [false, true]) {
      let r: ReturnType<typeof decodeUdpResponse>;
      try {
        r = decodeUdpResponse(input, ipv6);
      } catch (e) {
        throw new OracleError(`decodeUdpResponse threw: ${e instanceof Error ? e.message : String(e)}`);
      }
      const action = input.length >= 4 ? new DataView(input.buffer, input.byteOffset).getUint32(0) : -1;
      if (input.length < 8) check(r.kind === 'ignored', 'a packet under 8 bytes was not ignored');
      if (r.kind === 'connect') check(action === 0 && input.length >= 16, 'connect reply under 16 bytes');
      if (r.kind === 'announce') {
        check(action === 1 && input.length >= 20, 'announce reply under 20 bytes');
        checkAnnounce(r.response, ipv6 ? 'v6' : 'v4');
      }
      if (r.kind === 'error') check(action === 3 && r.message.length <= 1024, 'error message not capped');
    }
  },
  seeds: () => {
    const pkt = (action: number, tid: number, rest: number[]): Uint8Array => {
      const b = new Uint8Array(8 + rest.length);
      const v = new DataView(b.buffer);
      v.setUint32(0, action);
      v.setUint32(4, tid);
      b.set(rest, 8);
      return b;
    };
    return [
      pkt(0, 0x1234, [0, 0, 0x04, 0x17, 0x27, 0x10, 0x19, 0x80]),
      pkt(1, 7, [0, 0, 0x07, 0x08, 0, 0, 0, 1, 0, 0, 0, 2, 127, 0, 0, 1, 0x1a, 0xe1, 10, 0, 0, 2, 0, 80]),
      pkt(1, 7, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ...new Array<number>(16).fill(0), 0x1a, 0xe1, 1]),
      pkt(
        3,
        9,
        [...'torrent not registered'].map((c) => c.charCodeAt(0)),
      ),
      pkt(2, 5, [0, 0, 0, 1]),
      Uint8Array.of(0, 0, 0, 1, 0, 0),
    ];
  },
  dictionary: [
    '\x00\x00\x00\x00',
    '\x00\x00\x00\x01',
    '\x00\x00\x00\x03',
    '\xff\xff\xff\xff',
    '\x7f\x00\x00\x01\x1a\xe1',
    '\x00\x00\x00\x00\x00\x00',
    '\xe0\x00\x00\x01\x00\x01',
  ],
};

export const targets: Readonly<Record<string, FuzzTarget>> = {
  bdecode,
  metainfo,
  magnet,
  'sanitize-path': sanitize,
  wire,
  'http-tracker-body': httpTrackerBody,
  'udp-tracker-packet': udpTrackerPacket,
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
