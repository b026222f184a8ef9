// HTTP tracker codec (BEP 3, 7, 23, 48). RELIABILITY items covered here:
//   T21 HTML / not bencode / not a dict / failure reason / no peers / interval 0, negative, 10^9, bigint
//       → TRACKER_BAD_RESPONSE or TRACKER_FAILURE; interval clamped to [300 s, 1 day]
//   T24 compact peers not a multiple of 6 (peers6: 18), dict entries with missing, negative,
//       > 65535, 0 or 1 ports, hostnames, 0.0.0.0, 255.255.255.255, multicast → skipped;
//       ≤ MAX_PEERS_PER_ANNOUNCE peers
//   (c)1 properties: arbitrary bytes never throw an untyped error; URL encoding round-trips bytes.

import { fc, test as fcTest } from '@fast-check/vitest';
import { describe, expect, test } from 'vitest';
import { encode } from '../../../native-host/src/bencode/index.ts';
import { isMagnetarError, type MagnetarError } from '../../../native-host/src/core/errors.ts';
import { MAX_PEERS_PER_ANNOUNCE } from '../../../native-host/src/core/limits.ts';
import {
  buildAnnounceUrl,
  parseAnnounceBody,
  parseScrapeBody,
  percentEncodeBytes,
  scrapeUrlFor,
} from '../../../native-host/src/tracker/http-codec.ts';
import type { AnnounceRequest } from '../../../native-host/src/tracker/types.ts';

const te = new TextEncoder();
const b = (s: string) => te.encode(s);

function req(over: Partial<AnnounceRequest> = {}): AnnounceRequest {
  return {
    infoHash: Uint8Array.from({ length: 20 }, (_, i) => i * 13),
    peerId: b('-MG0001-abcdefghijkl'),
    port: 6881,
    uploaded: 1,
    downloaded: 2,
    left: 3,
    event: 'started',
    numWant: 50,
    key: 0xdeadbeef,
    ...over,
  };
}

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (isMagnetarError(e)) return e.code;
    throw e;
  }
  return 'no error';
}

function compact(...peers: [number, number, number, number, number][]): Uint8Array {
  const out = new Uint8Array(peers.length * 6);
  peers.forEach(([a, b1, c, d, port], i) => {
    out.set([a, b1, c, d, port >> 8, port & 0xff], i * 6);
  });
  return out;
}

describe('announce URL (BEP 3)', () => {
  test('percent-encodes info_hash and peer_id byte by byte, keeps unreserved characters', () => {
    expect(percentEncodeBytes(Uint8Array.from([0x00, 0x41, 0x7e, 0x20, 0xff, 0x2e]))).toBe('%00A~%20%FF.');
  });

  test('has every parameter, the event, and keeps an existing query (passkey)', () => {
    const u = new URL(buildAnnounceUrl('http://t.example/announce?passkey=abc', req()));
    expect(u.searchParams.get('passkey')).toBe('abc');
    for (const [k, v] of [
      ['port', '6881'],
      ['uploaded', '1'],
      ['downloaded', '2'],
      ['left', '3'],
      ['compact', '1'],
      ['event', 'started'],
      ['numwant', '50'],
      ['key', 'DEADBEEF'],
    ])
      expect(u.searchParams.get(k!)).toBe(v);
  });

  test('no event parameter on a regular announce; a fragment is dropped', () => {
    const s = buildAnnounceUrl('http://t/announce#frag', req({ event: 'none' }));
    expect(s).not.toContain('event=');
    expect(s).not.toContain('#');
    expect(s.startsWith('http://t/announce?info_hash=')).toBe(true);
  });

  fcTest.prop([
    fc.uint8Array({ minLength: 20, maxLength: 20 }),
    fc.uint8Array({ minLength: 20, maxLength: 20 }),
  ])('info_hash and peer_id decode back to the same bytes', (ih, pid) => {
    const s = buildAnnounceUrl('http://t/a?x=1&', req({ infoHash: ih, peerId: pid }));
    const q = s.slice(s.indexOf('?') + 1).split('&');
    const get = (k: string) => q.find((p) => p.startsWith(`${k}=`))!.slice(k.length + 1);
    const bytes = (v: string) => {
      const out: number[] = [];
      for (let i = 0; i < v.length; i++)
        if (v[i] === '%') {
          out.push(Number.parseInt(v.slice(i + 1, i + 3), 16));
          i += 2;
        } else out.push(v.charCodeAt(i));
      return Uint8Array.from(out);
    };
    expect(bytes(get('info_hash'))).toEqual(ih);
    expect(bytes(get('peer_id'))).toEqual(pid);
    expect(s).not.toContain('&&');
  });

  test('BEP 48 scrape URL', () => {
    expect(scrapeUrlFor('http://t/announce')).toBe('http://t/scrape');
    expect(scrapeUrlFor('http://t/x/announce.php?pk=1')).toBe('http://t/x/scrape.php?pk=1');
    expect(scrapeUrlFor('http://t/a')).toBeNull();
    expect(scrapeUrlFor('http://t/announce/x')).toBeNull();
  });
});

describe('announce body', () => {
  test('compact peers, counts, min interval, warning, tracker id', () => {
    const r = parseAnnounceBody(
      encode({
        interval: 1800,
        'min interval': 900,
        complete: 3,
        incomplete: 4,
        'warning message': 'be nice',
        'tracker id': 'tid',
        peers: compact([127, 0, 0, 1, 6881], [10, 1, 2, 3, 51413]),
      }),
    );
    expect(r).toEqual({
      interval: 1800,
      minInterval: 900,
      complete: 3,
      incomplete: 4,
      warning: 'be nice',
      trackerId: 'tid',
      peers: [
        { host: '127.0.0.1', port: 6881 },
        { host: '10.1.2.3', port: 51413 },
      ],
    });
  });

  test('dict-model peers (BEP 3) and peers6 (BEP 7)', () => {
    const p6 = new Uint8Array(18);
    p6.set([0x20, 0x01, 0x0d, 0xb8], 0);
    p6[15] = 1;
    p6[16] = 0x1a;
    p6[17] = 0xe1;
    const r = parseAnnounceBody(
      encode({
        interval: 600,
        peers: [
          { ip: '192.168.1.2', port: 7000, 'peer id': 'x'.repeat(20) },
          { ip: '::1', port: 7001 },
        ],
        peers6: p6,
      }),
    );
    expect(r.peers).toEqual([
      { host: '192.168.1.2', port: 7000 },
      { host: '::1', port: 7001 },
      { host: '2001:db8::1', port: 6881 },
    ]);
  });

  test('T21 failure reason → TRACKER_FAILURE with the text', () => {
    let err: MagnetarError | undefined;
    try {
      parseAnnounceBody(encode({ 'failure reason': 'torrent not registered', interval: 5 }));
    } catch (e) {
      if (isMagnetarError(e)) err = e;
    }
    expect(err?.code).toBe('TRACKER_FAILURE');
    expect(err?.message).toBe('torrent not registered');
  });

  test.each([
    ['HTML with status 200', '<html><body>Welcome to nginx</body></html>'],
    ['plain text', 'OK'],
    ['empty', ''],
    ['truncated bencode', 'd8:intervali1800e5:peers'],
    ['a list, not a dict', 'li1ee'],
    ['an integer', 'i42e'],
  ])('T21 %s → TRACKER_BAD_RESPONSE', (_name, body) => {
    expect(code(() => parseAnnounceBody(b(body)))).toBe('TRACKER_BAD_RESPONSE');
  });

  test('T21 deep nesting is refused by the small depth cap', () => {
    expect(code(() => parseAnnounceBody(b(`d1:x${'l'.repeat(50)}${'e'.repeat(50)}e`)))).toBe(
      'TRACKER_BAD_RESPONSE',
    );
  });

  test.each([
    [0, 300],
    [-5, 300],
    [10, 300],
    [1800, 1800],
    [1e9, 86400],
    [2n ** 62n, 86400],
    [-(2n ** 62n), 300],
    [undefined, 1800],
    ['1800', 1800],
  ])('T21 interval %s → %i s', (interval, want) => {
    const r = parseAnnounceBody(encode({ interval, peers: new Uint8Array(0) }));
    expect(r.interval).toBe(want);
  });

  test('min interval is kept within [60 s, interval]', () => {
    expect(parseAnnounceBody(encode({ interval: 600, 'min interval': 1 })).minInterval).toBe(60);
    expect(parseAnnounceBody(encode({ interval: 600, 'min interval': 9999 })).minInterval).toBe(600);
  });

  test('T21 no peers key → empty list, not an error', () => {
    expect(parseAnnounceBody(encode({ interval: 1800 })).peers).toEqual([]);
  });

  test('T24 compact peers: truncated tail, port 0/1, unroutable addresses, duplicates skipped', () => {
    const good = compact(
      [1, 2, 3, 4, 1000],
      [1, 2, 3, 4, 0],
      [1, 2, 3, 4, 1],
      [0, 0, 0, 0, 1000],
      [255, 255, 255, 255, 1000],
      [224, 0, 0, 1, 1000],
      [239, 1, 1, 1, 1000],
      [1, 2, 3, 4, 1000],
      [5, 6, 7, 8, 65535],
    );
    const body = new Uint8Array(good.length + 4);
    body.set(good);
    body.set([9, 9, 9, 9], good.length);
    const r = parseAnnounceBody(encode({ interval: 1800, peers: body }));
    expect(r.peers).toEqual([
      { host: '1.2.3.4', port: 1000 },
      { host: '5.6.7.8', port: 65535 },
    ]);
  });

  test('T24 peers6 not a multiple of 18; :: and multicast skipped', () => {
    const p6 = new Uint8Array(18 * 3 + 5);
    p6[0] = 0xff; // multicast
    p6[17] = 80;
    // entry 1 is all zeros: unspecified
    p6[36] = 0xfe;
    p6[37] = 0x80;
    p6[51] = 1;
    p6[53] = 80;
    const r = parseAnnounceBody(encode({ interval: 1800, peers6: p6 }));
    expect(r.peers).toEqual([{ host: 'fe80::1', port: 80 }]);
  });

  test('T24 dict peers with bad ip or port are skipped', () => {
    const r = parseAnnounceBody(
      encode({
        interval: 1800,
        peers: [
          { ip: 'tracker.example.com', port: 80 },
          { ip: '1.2.3.4' },
          { ip: '1.2.3.4', port: -1 },
          { ip: '1.2.3.4', port: 65536 },
          { ip: '1.2.3.4', port: 0 },
          { ip: '01.2.3.4', port: 80 },
          { port: 80 },
          'not a dict',
          { ip: '[2001:db8::2]', port: 81 },
          { ip: '1.2.3.4', port: 80 },
        ],
      }),
    );
    expect(r.peers).toEqual([
      { host: '2001:db8::2', port: 81 },
      { host: '1.2.3.4', port: 80 },
    ]);
  });

  test(`T24 at most MAX_PEERS_PER_ANNOUNCE (${MAX_PEERS_PER_ANNOUNCE}) peers`, () => {
    const n = MAX_PEERS_PER_ANNOUNCE + 100;
    const peers = new Uint8Array(n * 6);
    for (let i = 0; i < n; i++) peers.set([10, (i >> 8) & 0xff, i & 0xff, 1, 0x1a, 0xe1], i * 6);
    expect(parseAnnounceBody(encode({ interval: 1800, peers })).peers).toHaveLength(MAX_PEERS_PER_ANNOUNCE);
  });

  fcTest.prop([fc.uint8Array({ maxLength: 300 })], { numRuns: 300, seed: 1 })(
    'arbitrary bytes: a value or a TRACKER_* error, never anything else',
    (bytes) => {
      try {
        parseAnnounceBody(bytes);
      } catch (e) {
        expect(isMagnetarError(e) && e.code.startsWith('TRACKER_')).toBe(true);
      }
    },
  );

  fcTest.prop(
    [
      fc.record({
        interval: fc.oneof(fc.integer(), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.string()),
        peers: fc.oneof(
          fc.uint8Array({ maxLength: 100 }),
          fc.array(fc.dictionary(fc.string(), fc.integer())),
        ),
        peers6: fc.uint8Array({ maxLength: 100 }),
        complete: fc.integer(),
      }),
    ],
    { numRuns: 300, seed: 2 },
  )('arbitrary well-formed dicts: peers always dialable, interval in range', (d) => {
    const r = parseAnnounceBody(encode(d));
    expect(r.interval).toBeGreaterThanOrEqual(300);
    expect(r.interval).toBeLessThanOrEqual(86400);
    for (const p of r.peers) expect(p.port).toBeGreaterThan(1);
  });
});

describe('scrape body (BEP 48)', () => {
  test('reads the counts for our info-hash', () => {
    const ih = Uint8Array.from({ length: 20 }, (_, i) => i);
    const files = new Map([[String.fromCharCode(...ih), { complete: 1, downloaded: 2, incomplete: 3 }]]);
    expect(parseScrapeBody(encode({ files }), ih)).toEqual({ complete: 1, downloaded: 2, incomplete: 3 });
    expect(parseScrapeBody(encode({ files }), new Uint8Array(20))).toBeUndefined();
  });
});
