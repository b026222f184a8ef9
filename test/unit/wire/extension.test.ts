// BEP 10 extended handshake, BEP 9 ut_metadata and BEP 11 ut_pex codecs: round trips, lenient
// fields, and arbitrary bytes giving only typed errors. Named RELIABILITY items: reliability.test.ts.
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { encode } from '../../../native-host/src/bencode/index.ts';
import { MagnetarError } from '../../../native-host/src/core/errors.ts';
import {
  decodeExtendedHandshake,
  decodeMetadataMessage,
  decodePex,
  encodeExtendedHandshake,
  encodeMetadataMessage,
  encodePex,
  MAX_PEX_PEERS,
  METADATA_PIECE_SIZE,
  metadataPieceLength,
} from '../../../native-host/src/wire/index.ts';
import { ascii, expectCode, PROP } from './helpers.ts';

function onlyTyped(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof MagnetarError)) throw e;
    expect(e.fault).toBe('peer');
  }
}

describe('BEP 10 extended handshake', () => {
  it('round-trips every field', () => {
    const h = {
      m: { ut_metadata: 1, ut_pex: 2, lt_donthave: 0 },
      p: 6881,
      v: 'Magnetar 0.1.0',
      reqq: 250,
      metadata_size: 31337,
      yourip: Uint8Array.of(127, 0, 0, 1),
    };
    const d = decodeExtendedHandshake(encodeExtendedHandshake(h));
    expect({ ...d, m: { ...d.m } }).toEqual(h);
  });

  it('keeps 0 ids so a re-sent handshake can disable an extension (BEP 10)', () => {
    const d = decodeExtendedHandshake(encode({ m: { ut_pex: 0 } }));
    expect(d.m.ut_pex).toBe(0);
  });

  it('gives a null-prototype m, so "__proto__" is just a name', () => {
    const d = decodeExtendedHandshake(
      encode(
        new Map([
          [
            'm',
            new Map([
              ['__proto__', 3],
              ['constructor', 4],
            ]),
          ],
        ]),
      ),
    );
    expect(Object.getPrototypeOf(d.m)).toBeNull();
    expect(Object.getOwnPropertyDescriptor(d.m, '__proto__')?.value).toBe(3);
    expect(Object.getOwnPropertyDescriptor(d.m, 'constructor')?.value).toBe(4);
    expect(Object.keys(d.m).sort()).toEqual(['__proto__', 'constructor']);
  });

  it('accepts a handshake without m (an empty table)', () => {
    expect(decodeExtendedHandshake(encode({ v: 'x' })).m).toEqual({});
  });

  it('refuses a payload that is not a dict, is truncated or has trailing bytes', () => {
    expectCode(() => decodeExtendedHandshake(ascii('li1ee')), 'PEER_PROTOCOL');
    expectCode(() => decodeExtendedHandshake(ascii('d1:md')), 'PEER_PROTOCOL');
    expectCode(() => decodeExtendedHandshake(ascii('dexx')), 'PEER_PROTOCOL');
    expectCode(() => decodeExtendedHandshake(new Uint8Array(0)), 'PEER_PROTOCOL');
  });

  test.prop([fc.uint8Array({ maxLength: 300 })], PROP)('arbitrary bytes: a value or PEER_PROTOCOL', (b) => {
    onlyTyped(() => decodeExtendedHandshake(b));
  });
});

describe('BEP 9 ut_metadata', () => {
  it('round-trips request, reject and data', () => {
    expect(decodeMetadataMessage(encodeMetadataMessage({ type: 'request', piece: 3 }))).toEqual({
      type: 'request',
      piece: 3,
    });
    expect(decodeMetadataMessage(encodeMetadataMessage({ type: 'reject', piece: 0 }))).toEqual({
      type: 'reject',
      piece: 0,
    });
    const data = new Uint8Array(METADATA_PIECE_SIZE).fill(7);
    const m = { type: 'data', piece: 1, totalSize: 3 * METADATA_PIECE_SIZE - 5, data } as const;
    expect(decodeMetadataMessage(encodeMetadataMessage(m))).toEqual(m);
    const last = {
      type: 'data',
      piece: 2,
      totalSize: 3 * METADATA_PIECE_SIZE - 5,
      data: data.subarray(5),
    } as const;
    expect(decodeMetadataMessage(encodeMetadataMessage(last))).toEqual(last);
  });

  it('uses the BEP 9 wire form', () => {
    expect(new TextDecoder().decode(encodeMetadataMessage({ type: 'request', piece: 0 }))).toBe(
      'd8:msg_typei0e5:piecei0ee',
    );
  });

  it('ignores an unknown msg_type (BEP 9: MUST be ignored)', () => {
    expect(decodeMetadataMessage(encode({ msg_type: 7, piece: 0 }))).toBeNull();
  });

  it('refuses a data piece of the wrong size for its place', () => {
    const wrong = encodeMetadataMessage({ type: 'data', piece: 0, totalSize: 100, data: new Uint8Array(99) });
    expectCode(() => decodeMetadataMessage(wrong), 'PEER_PROTOCOL');
    const beyond = encodeMetadataMessage({ type: 'data', piece: 1, totalSize: 100, data: new Uint8Array(1) });
    expectCode(() => decodeMetadataMessage(beyond), 'PEER_PROTOCOL');
    expect(metadataPieceLength(1, 100)).toBe(0);
  });

  test.prop([fc.uint8Array({ maxLength: 300 })], PROP)(
    'arbitrary bytes: a value, null or a typed error',
    (b) => {
      onlyTyped(() => decodeMetadataMessage(b));
    },
  );
});

describe('BEP 11 ut_pex', () => {
  it('round-trips IPv4 and IPv6 peers with flags', () => {
    const m = {
      added: [
        { host: '10.0.0.1', port: 6881, flags: 0x12 },
        { host: '2001:db8::1', port: 51413, flags: 0x01 },
      ],
      dropped: [
        { host: '192.168.1.2', port: 80 },
        { host: 'fe80::1:2', port: 443 },
      ],
    };
    expect(decodePex(encodePex(m))).toEqual({ ...m, skipped: 0 });
  });

  it('formats IPv6 as RFC 5952 text and IPv4-mapped addresses as dotted quads', () => {
    const v6 = Uint8Array.of(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0x1a, 0xe1);
    const mapped = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4, 0x1a, 0xe1);
    const d = decodePex(encode({ added6: new Uint8Array([...v6, ...mapped]) }));
    expect(d.added.map((p) => p.host)).toEqual(['2001:db8::1:0:0:1', '1.2.3.4']);
  });

  it('ignores an added.f of the wrong length instead of misaligning flags', () => {
    const added = Uint8Array.of(1, 2, 3, 4, 0, 80, 5, 6, 7, 8, 0, 81);
    const d = decodePex(encode({ added, 'added.f': Uint8Array.of(2) }));
    expect(d.added).toEqual([
      { host: '1.2.3.4', port: 80 },
      { host: '5.6.7.8', port: 81 },
    ]);
  });

  it('takes at most MAX_PEX_PEERS when encoding too', () => {
    const many = Array.from({ length: 70 }, (_, i) => ({
      host: `10.0.${i >> 8}.${(i & 255) + 1}`,
      port: 1000 + i,
    }));
    expect(decodePex(encodePex({ added: many, dropped: [] })).added).toHaveLength(MAX_PEX_PEERS);
  });

  test.prop([fc.uint8Array({ maxLength: 300 })], PROP)('arbitrary bytes: a value or PEER_PROTOCOL', (b) => {
    onlyTyped(() => decodePex(b));
  });

  test.prop(
    [fc.uint8Array({ maxLength: 400 }), fc.uint8Array({ maxLength: 400 }), fc.uint8Array({ maxLength: 60 })],
    PROP,
  )('arbitrary compact strings: never more than 50 peers, all dialable', (a4, a6, f) => {
    const d = decodePex(encode({ added: a4, added6: a6, 'added.f': f, dropped: a4 }));
    expect(d.added.length).toBeLessThanOrEqual(MAX_PEX_PEERS);
    expect(d.dropped.length).toBeLessThanOrEqual(MAX_PEX_PEERS);
    for (const p of d.added) {
      expect(p.port).toBeGreaterThanOrEqual(2);
      expect(p.host).not.toMatch(/^(0\.|22[4-9]\.|2[3-5]\d\.|ff)/);
    }
  });
});
