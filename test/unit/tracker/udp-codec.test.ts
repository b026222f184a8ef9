// UDP tracker codec (BEP 15, BEP 41) and peer address helpers. RELIABILITY items covered here:
//   T25 packets under 8/16/20 bytes, unknown actions → "ignored" (never thrown); action 3 → message
//   T24 compact IPv4/IPv6 peers with a truncated tail or port 0 skipped
//   (c)1 properties: arbitrary datagrams classify without throwing; request layouts round-trip;
//        IPv6 text round-trips through parse/format.

import { fc, test as fcTest } from '@fast-check/vitest';
import { describe, expect, test } from 'vitest';
import { formatIPv6, parseIPv4, parseIPv6, parseIPv6Text } from '../../../native-host/src/tracker/peers.ts';
import type { AnnounceRequest } from '../../../native-host/src/tracker/types.ts';
import {
  decodeUdpResponse,
  encodeAnnounce,
  encodeConnect,
  UDP_PROTOCOL_ID,
  urlDataFor,
} from '../../../native-host/src/tracker/udp-codec.ts';

const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

function packet(words: number[], tail: number[] = []): Uint8Array {
  const b = new Uint8Array(words.length * 4 + tail.length);
  words.forEach((w, i) => {
    view(b).setUint32(i * 4, w >>> 0);
  });
  b.set(tail, words.length * 4);
  return b;
}

const req: AnnounceRequest = {
  infoHash: new Uint8Array(20).fill(0xab),
  peerId: new Uint8Array(20).fill(0xcd),
  port: 51413,
  uploaded: 3,
  downloaded: 2 ** 40,
  left: 1,
  event: 'completed',
  numWant: 50,
  key: 0x01020304,
};

describe('requests (BEP 15)', () => {
  test('connect: protocol id, action 0, transaction id', () => {
    const b = encodeConnect(0xcafebabe);
    expect(b).toHaveLength(16);
    expect(view(b).getBigUint64(0)).toBe(UDP_PROTOCOL_ID);
    expect(view(b).getUint32(8)).toBe(0);
    expect(view(b).getUint32(12)).toBe(0xcafebabe);
  });

  test('announce: the 98-byte layout', () => {
    const b = encodeAnnounce(0x1122334455667788n, 7, req);
    const v = view(b);
    expect(b).toHaveLength(98);
    expect(v.getBigUint64(0)).toBe(0x1122334455667788n);
    expect(v.getUint32(8)).toBe(1);
    expect(v.getUint32(12)).toBe(7);
    expect(b.subarray(16, 36)).toEqual(req.infoHash);
    expect(b.subarray(36, 56)).toEqual(req.peerId);
    expect(v.getBigUint64(56)).toBe(2n ** 40n);
    expect(v.getBigUint64(64)).toBe(1n);
    expect(v.getBigUint64(72)).toBe(3n);
    expect(v.getUint32(80)).toBe(1); // completed
    expect(v.getUint32(84)).toBe(0);
    expect(v.getUint32(88)).toBe(0x01020304);
    expect(v.getInt32(92)).toBe(50);
    expect(v.getUint16(96)).toBe(51413);
  });

  test.each([
    ['none', 0],
    ['completed', 1],
    ['started', 2],
    ['stopped', 3],
  ] as const)('event %s → %i', (event, n) => {
    expect(view(encodeAnnounce(1n, 1, { ...req, event })).getUint32(80)).toBe(n);
  });

  test('BEP 41 URLData: path and query in ≤ 255-byte chunks, then EndOfOptions', () => {
    expect(urlDataFor(new URL('udp://t:1'))).toBe('');
    expect(urlDataFor(new URL('udp://t:1/announce?pk=x'))).toBe('/announce?pk=x');
    const long = `/${'a'.repeat(299)}`;
    const b = encodeAnnounce(1n, 1, req, long);
    expect(b[98]).toBe(2);
    expect(b[99]).toBe(255);
    expect(b[98 + 2 + 255]).toBe(2);
    expect(b[98 + 2 + 255 + 1]).toBe(45);
    expect(b[b.length - 1]).toBe(0);
    expect(b).toHaveLength(98 + 2 + 255 + 2 + 45 + 1);
  });
});

describe('responses (BEP 15)', () => {
  test('connect reply', () => {
    const b = packet([0, 42, 0x11223344, 0x55667788]);
    expect(decodeUdpResponse(b)).toEqual({
      kind: 'connect',
      transactionId: 42,
      connectionId: 0x1122334455667788n,
    });
  });

  test('announce reply with IPv4 peers; a truncated tail and port 0 are skipped (T24)', () => {
    const b = packet([1, 9, 1800, 5, 6], [127, 0, 0, 1, 0x1a, 0xe1, 10, 0, 0, 1, 0, 0, 1, 2, 3]);
    const r = decodeUdpResponse(b);
    expect(r).toEqual({
      kind: 'announce',
      transactionId: 9,
      response: {
        interval: 1800,
        minInterval: undefined,
        incomplete: 5,
        complete: 6,
        warning: undefined,
        trackerId: undefined,
        peers: [{ host: '127.0.0.1', port: 6881 }],
      },
    });
  });

  test('announce reply over IPv6 uses 18-byte peers', () => {
    const peer = [0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 5, 0x1a, 0xe1];
    const r = decodeUdpResponse(packet([1, 9, 10, 0, 0], peer), true);
    expect(r.kind === 'announce' && r.response.peers).toEqual([{ host: '2001:db8::5', port: 6881 }]);
    // T21 applies to UDP too: interval 10 is clamped.
    expect(r.kind === 'announce' && r.response.interval).toBe(300);
  });

  test('T25 error action 3 carries the message', () => {
    const msg = [...new TextEncoder().encode('torrent not registered')];
    expect(decodeUdpResponse(packet([3, 77], msg))).toEqual({
      kind: 'error',
      transactionId: 77,
      message: 'torrent not registered',
    });
  });

  test.each([
    ['empty', packet([])],
    ['7 bytes', new Uint8Array(7)],
    ['connect under 16 bytes', packet([0, 1, 2])],
    ['announce under 20 bytes', packet([1, 1, 2, 3])],
    ['unknown action 9', packet([9, 1, 2, 3, 4])],
    ['scrape reply (never requested)', packet([2, 1, 2, 3, 4])],
  ])('T25 %s → ignored', (_n, b) => {
    expect(decodeUdpResponse(b).kind).toBe('ignored');
  });

  fcTest.prop([fc.uint8Array({ maxLength: 200 }), fc.boolean()], { numRuns: 500, seed: 3 })(
    'arbitrary datagrams classify without throwing',
    (b, v6) => {
      const r = decodeUdpResponse(b, v6);
      expect(['connect', 'announce', 'error', 'ignored']).toContain(r.kind);
      if (r.kind === 'announce') for (const p of r.response.peers) expect(p.port).toBeGreaterThan(1);
    },
  );

  fcTest.prop([fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.integer({ min: 0, max: 2 ** 32 - 1 })], {
    seed: 4,
  })('a connect reply round-trips its connection id', (cid, tid) => {
    const b = new Uint8Array(16);
    view(b).setUint32(4, tid);
    view(b).setBigUint64(8, cid);
    expect(decodeUdpResponse(b)).toEqual({ kind: 'connect', transactionId: tid, connectionId: cid });
  });
});

describe('IP literals (T24)', () => {
  test('IPv4 parsing is strict', () => {
    expect(parseIPv4('1.2.3.4')).toEqual(Uint8Array.from([1, 2, 3, 4]));
    for (const s of ['1.2.3', '1.2.3.4.5', '256.1.1.1', '01.1.1.1', 'a.b.c.d', '1.2.3.-4', ''])
      expect(parseIPv4(s)).toBeNull();
  });

  test('IPv6 canonical text (RFC 5952)', () => {
    expect(parseIPv6Text('2001:0db8:0000:0000:0000:0000:0000:0001')).toBe('2001:db8::1');
    expect(parseIPv6Text('[::1]')).toBe('::1');
    expect(parseIPv6Text('2001:db8:0:1:1:1:1:1')).toBe('2001:db8:0:1:1:1:1:1');
    expect(parseIPv6Text('1:0:0:2:0:0:0:3')).toBe('1:0:0:2::3');
    expect(parseIPv6Text('::ffff:1.2.3.4')).toBe('1.2.3.4');
    for (const s of ['::', 'ff02::1', '1::2::3', '1:2:3:4:5:6:7:8:9', 'g::1', 'example.com', '1:2'])
      expect(parseIPv6Text(s)).toBeNull();
  });

  fcTest.prop([fc.uint8Array({ minLength: 16, maxLength: 16 })], { seed: 5 })(
    'format → parse is the identity for dialable IPv6 addresses',
    (b) => {
      const s = formatIPv6(b);
      if (s === null || !s.includes(':')) return;
      expect(parseIPv6(s)).toEqual(b);
    },
  );
});
