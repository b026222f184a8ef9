// RELIABILITY.md catalogue items that live at the codec layer, one named test (or group) each.
// Covered here: P29, P30, P31, P32 (length, spare bits, pre-metadata cap), P33 (codec part),
// P34 (codec part), P36 (size part), P43 (un-negotiated fast messages), X45, X46, X47, X51 (range
// part), X52. P38 (bad handshake bytes) is in handshake.test.ts.
// Left to the layers above, by design: duplicate/late bitfields and haves (P32/P33 state), request
// range against the torrent geometry and the choke state (P34), unrequested pieces (P36), suggest
// floods and unrequested rejects (P43), total_size ≠ announced and unrequested metadata (X47/X48),
// PEX message rate (X52), timeouts (P38/P39).
import { describe, expect, it } from 'vitest';
import { encode } from '../../../native-host/src/bencode/index.ts';
import { Bitfield } from '../../../native-host/src/core/bitfield.ts';
import {
  MAX_INCOMING_REQUESTS,
  MAX_METADATA_BYTES,
  MAX_REQUEST_LENGTH,
} from '../../../native-host/src/core/limits.ts';
import {
  decodeExtendedHandshake,
  decodeMetadataMessage,
  decodePex,
  encodeMessage,
  encodeMetadataMessage,
  FrameDecoder,
  isValidRequestLength,
  MAX_BITFIELD_BYTES,
  MAX_EXTENSION_NAMES,
  MAX_METADATA_PIECES,
  MAX_PEX_PEERS,
} from '../../../native-host/src/wire/index.ts';
import { ascii, be32, concat, decodeChunks, expectCode, rawFrame } from './helpers.ts';

describe('P29 length prefix 0xFFFFFFFF or 2,000,000 with no payload', () => {
  for (const length of [0xffff_ffff, 2_000_000]) {
    it(`${length}: rejected on the 4-byte header, nothing buffered toward it`, () => {
      const d = new FrameDecoder();
      expectCode(() => d.push(be32(length)), 'PEER_FRAME_TOO_LARGE');
      expect(d.buffered).toBe(4);
      expectCode(() => d.push(new Uint8Array(1000)), 'PEER_FRAME_TOO_LARGE');
      expect(d.buffered).toBe(4);
    });
  }

  it('a header split over two chunks is rejected as soon as its 4th byte arrives', () => {
    const d = new FrameDecoder();
    d.push(Uint8Array.of(0xff, 0xff));
    expect(d.next()).toBeNull();
    expectCode(() => d.push(Uint8Array.of(0xff, 0xff)), 'PEER_FRAME_TOO_LARGE');
  });
});

describe('P30 fixed-size message with the wrong length', () => {
  const cases: [string, number, number][] = [
    ['have 6', 4, 6],
    ['request 14', 6, 14],
    ['choke 2', 0, 2],
    ['port 2', 9, 2],
    ['cancel 12', 8, 12],
    ['have-all 2', 0x0e, 2],
    ['reject 12', 0x10, 12],
    ['allowed-fast 4', 0x11, 4],
  ];
  for (const [name, id, length] of cases) {
    it(`${name} → PEER_BAD_LENGTH on the header`, () => {
      // Only the 5 header bytes are sent: the decision never waits for the payload.
      expectCode(() => new FrameDecoder().push(concat([be32(length), Uint8Array.of(id)])), 'PEER_BAD_LENGTH');
    });
  }

  it('zero-payload frames of ids that need a payload → PEER_BAD_LENGTH', () => {
    for (const id of [4, 5, 6, 8, 9, 0x0d, 0x10, 0x11]) {
      if (id === 5) continue; // a 0-byte bitfield is legal before the piece count is known (P32)
      expectCode(() => decodeChunks([rawFrame(id)]), 'PEER_BAD_LENGTH');
    }
    expectCode(() => decodeChunks([rawFrame(5)], { pieceCount: 8 }), 'PEER_BAD_LENGTH');
  });
});

describe('P31 unknown message id 0xff (rule: skip within the cap, else reject)', () => {
  it('an unknown id within maxFrame is skipped and the stream continues', () => {
    const stream = concat([rawFrame(0xff, new Uint8Array(100)), encodeMessage({ type: 'interested' })]);
    expect(decodeChunks([stream])).toEqual([{ type: 'interested' }]);
  });

  it('an unknown id over maxFrame → PEER_FRAME_TOO_LARGE on the header', () => {
    expectCode(
      () => new FrameDecoder().push(concat([be32(5_000_000), Uint8Array.of(0xff)])),
      'PEER_FRAME_TOO_LARGE',
    );
  });

  it("with unknownIds: 'reject' → PEER_UNKNOWN_MESSAGE (libtorrent's rule)", () => {
    expectCode(() => decodeChunks([rawFrame(0xff)], { unknownIds: 'reject' }), 'PEER_UNKNOWN_MESSAGE');
  });
});

describe('P32 bitfield', () => {
  it('a byte short or a byte long → PEER_BAD_LENGTH on the header', () => {
    expectCode(
      () => new FrameDecoder({ pieceCount: 20 }).push(rawFrame(5, new Uint8Array(2))),
      'PEER_BAD_LENGTH',
    );
    expectCode(
      () => new FrameDecoder({ pieceCount: 20 }).push(rawFrame(5, new Uint8Array(4))),
      'PEER_BAD_LENGTH',
    );
    expect(decodeChunks([rawFrame(5, new Uint8Array(3))], { pieceCount: 20 })).toHaveLength(1);
  });

  it('spare bits set → PEER_PROTOCOL', () => {
    expectCode(
      () => decodeChunks([rawFrame(5, Uint8Array.of(0xff, 0xff, 0xf8))], { pieceCount: 20 }),
      'PEER_PROTOCOL',
    );
    expect(decodeChunks([rawFrame(5, Uint8Array.of(0xff, 0xff, 0xf0))], { pieceCount: 20 })).toEqual([
      { type: 'bitfield', bits: Uint8Array.of(0xff, 0xff, 0xf0) },
    ]);
  });

  it('before the piece count is known: capped at MAX_PIECES bits, checked later with Bitfield.isValidWire', () => {
    const [m] = decodeChunks([rawFrame(5, Uint8Array.of(0xff, 0xff, 0xff))]);
    expect(m?.type === 'bitfield' && Bitfield.isValidWire(20, m.bits)).toBe(false);
    expectCode(
      () => new FrameDecoder().push(concat([be32(MAX_BITFIELD_BYTES + 2), Uint8Array.of(5)])),
      'PEER_FRAME_TOO_LARGE',
    );
  });
});

describe('P33 have with an index ≥ the piece count', () => {
  it('is returned as sent: the peer state decides to drop, ignore or queue it', () => {
    const ms = decodeChunks(
      [encodeMessage({ type: 'have', index: 10 }), encodeMessage({ type: 'have', index: 0xffff_ffff })],
      {
        pieceCount: 10,
      },
    );
    expect(ms).toEqual([
      { type: 'have', index: 10 },
      { type: 'have', index: 0xffff_ffff },
    ]);
  });
});

describe('P34 request length 0 or over MAX_REQUEST_LENGTH', () => {
  it('the codec returns it and the caller checks with isValidRequestLength (it may answer with a BEP 6 reject)', () => {
    const [big, zero] = decodeChunks([
      encodeMessage({ type: 'request', index: 0, begin: 0, length: MAX_REQUEST_LENGTH + 1 }),
      encodeMessage({ type: 'request', index: 0, begin: 0, length: 0 }),
    ]);
    expect(big).toEqual({ type: 'request', index: 0, begin: 0, length: MAX_REQUEST_LENGTH + 1 });
    expect(big?.type === 'request' && isValidRequestLength(big.length)).toBe(false);
    expect(zero?.type === 'request' && isValidRequestLength(zero.length)).toBe(false);
  });
});

describe('P36 piece sizes', () => {
  it('a piece longer than one block + 9 → PEER_FRAME_TOO_LARGE on the header', () => {
    expectCode(
      () => new FrameDecoder().push(concat([be32(9 + 16384 + 1), Uint8Array.of(7)])),
      'PEER_FRAME_TOO_LARGE',
    );
    const ok = encodeMessage({ type: 'piece', index: 0, begin: 0, block: new Uint8Array(16384) });
    expect(decodeChunks([ok])).toHaveLength(1);
  });

  it('a piece with length < 9 → PEER_BAD_LENGTH', () => {
    for (let length = 1; length < 9; length++) {
      expectCode(() => new FrameDecoder().push(concat([be32(length), Uint8Array.of(7)])), 'PEER_BAD_LENGTH');
    }
  });
});

describe('P43 fast-extension messages without BEP 6', () => {
  it('have-all, have-none, suggest, reject, allowed-fast → PEER_PROTOCOL (BEP 6: MUST close)', () => {
    for (const m of [
      { type: 'have-all' },
      { type: 'have-none' },
      { type: 'suggest', index: 0 },
      { type: 'reject', index: 0, begin: 0, length: 16384 },
      { type: 'allowed-fast', index: 0 },
    ] as const) {
      expectCode(() => decodeChunks([encodeMessage(m)], { fast: false }), 'PEER_PROTOCOL');
    }
  });
});

describe('X45 extended handshake with hostile fields', () => {
  it('bad m entries are ignored, good ones kept', () => {
    const m = new Map<string, unknown>([
      ['ut_metadata', 1],
      ['neg', -1],
      ['big', 256],
      ['str', ascii('3')],
      ['list', [1]],
      ['x'.repeat(65), 4],
      ['', 5],
      ['ut_pex', 255],
    ]);
    const d = decodeExtendedHandshake(encode(new Map([['m', m as Map<string, never>]])));
    expect({ ...d.m }).toEqual({ ut_metadata: 1, ut_pex: 255 });
  });

  it(`an m dict with 200 names keeps at most ${MAX_EXTENSION_NAMES}`, () => {
    const m = new Map(
      Array.from({ length: 200 }, (_, i) => [`ext${String(i).padStart(3, '0')}`, 1 + (i % 255)]),
    );
    expect(Object.keys(decodeExtendedHandshake(encode({ m })).m)).toHaveLength(MAX_EXTENSION_NAMES);
  });

  it('an m dict with 10,000 names is refused by the token cap → PEER_PROTOCOL', () => {
    const m = new Map(Array.from({ length: 10_000 }, (_, i) => [`e${i}`, 1]));
    expectCode(() => decodeExtendedHandshake(encode({ m })), 'PEER_PROTOCOL');
  });

  it('a deeply nested value is refused by the depth cap → PEER_PROTOCOL', () => {
    expectCode(
      () => decodeExtendedHandshake(ascii(`d1:x${'l'.repeat(50)}${'e'.repeat(50)}e`)),
      'PEER_PROTOCOL',
    );
  });

  it('reqq 0 ignored, 10^9 clamped; port 0 and garbage yourip ignored', () => {
    expect(decodeExtendedHandshake(encode({ reqq: 0, p: 0, yourip: ascii('abc') }))).toEqual({ m: {} });
    expect(decodeExtendedHandshake(encode({ reqq: 1e9, p: 70000 })).reqq).toBe(MAX_INCOMING_REQUESTS);
    expect(decodeExtendedHandshake(encode({ reqq: 2n ** 62n })).reqq).toBe(MAX_INCOMING_REQUESTS);
    expect(decodeExtendedHandshake(encode({ m: 5, v: 7 }))).toEqual({ m: {} });
  });
});

describe('X46 metadata_size −1, 0, 2^31, 2 GB', () => {
  for (const size of [-1, 0, 2 ** 31, 2_000_000_000, MAX_METADATA_BYTES + 1]) {
    it(`${size} → no metadata_size (the peer is not asked for metadata)`, () => {
      expect(decodeExtendedHandshake(encode({ metadata_size: size })).metadata_size).toBeUndefined();
    });
  }
  it('a sane size is kept', () => {
    expect(decodeExtendedHandshake(encode({ metadata_size: 12345 })).metadata_size).toBe(12345);
  });
});

describe('X47 hostile ut_metadata messages', () => {
  it('over 17 KiB → PEER_FRAME_TOO_LARGE', () => {
    const big = concat([encode({ msg_type: 1, piece: 0, total_size: 40000 }), new Uint8Array(17 * 1024)]);
    expectCode(() => decodeMetadataMessage(big), 'PEER_FRAME_TOO_LARGE');
  });

  it('total_size > MAX_METADATA_BYTES, 0 or negative → PEER_PROTOCOL', () => {
    for (const totalSize of [MAX_METADATA_BYTES + 1, 0, -1, 2 ** 40]) {
      const m = concat([encode({ msg_type: 1, piece: 0, total_size: totalSize }), new Uint8Array(16)]);
      expectCode(() => decodeMetadataMessage(m), 'PEER_PROTOCOL');
    }
  });

  it('not a dict, missing msg_type or piece, piece out of range → PEER_PROTOCOL', () => {
    expectCode(() => decodeMetadataMessage(ascii('i1e')), 'PEER_PROTOCOL');
    expectCode(() => decodeMetadataMessage(encode({ piece: 0 })), 'PEER_PROTOCOL');
    expectCode(() => decodeMetadataMessage(encode({ msg_type: 0 })), 'PEER_PROTOCOL');
    expectCode(() => decodeMetadataMessage(encode({ msg_type: 0, piece: -1 })), 'PEER_PROTOCOL');
    expectCode(() => decodeMetadataMessage(encode({ msg_type: 0, piece: ascii('0') })), 'PEER_PROTOCOL');
  });

  it('a data piece larger than 16 KiB → PEER_PROTOCOL', () => {
    const m = encodeMetadataMessage({
      type: 'data',
      piece: 0,
      totalSize: 40000,
      data: new Uint8Array(16385),
    });
    expectCode(() => decodeMetadataMessage(m), 'PEER_PROTOCOL');
  });
});

describe('X51 ut_metadata request out of range', () => {
  it(`a request for piece ≥ ${MAX_METADATA_PIECES} → PEER_PROTOCOL`, () => {
    expectCode(
      () => decodeMetadataMessage(encode({ msg_type: 0, piece: MAX_METADATA_PIECES })),
      'PEER_PROTOCOL',
    );
    expect(decodeMetadataMessage(encode({ msg_type: 0, piece: MAX_METADATA_PIECES - 1 }))).toEqual({
      type: 'request',
      piece: MAX_METADATA_PIECES - 1,
    });
  });
});

describe('X52 PEX floods and bogus entries', () => {
  it(`added with 10,000 peers → at most ${MAX_PEX_PEERS} taken`, () => {
    const added = new Uint8Array(10_000 * 6);
    for (let i = 0; i < 10_000; i++)
      added.set([10, (i >> 16) & 255, (i >> 8) & 255, i & 255, 0x1a, 0xe1], i * 6);
    const d = decodePex(
      encode({ added, 'added.f': new Uint8Array(10_000), added6: new Uint8Array(18 * 1000) }),
    );
    expect(d.added).toHaveLength(MAX_PEX_PEERS);
    expect(d.added[0]).toEqual({ host: '10.0.0.0', port: 6881, flags: 0 });
  });

  it('port 0/1, 0.0.0.0, 255.255.255.255, multicast and a partial entry are skipped', () => {
    const added = Uint8Array.of(
      ...[1, 2, 3, 4, 0, 0],
      ...[1, 2, 3, 4, 0, 1],
      ...[0, 0, 0, 0, 0, 80],
      ...[255, 255, 255, 255, 0, 80],
      ...[224, 0, 0, 1, 0, 80],
      ...[8, 8, 8, 8, 0, 80],
      ...[9, 9, 9],
    );
    const d = decodePex(encode({ added, added6: new Uint8Array(18) }));
    expect(d.added).toEqual([{ host: '8.8.8.8', port: 80 }]);
    expect(d.skipped).toBe(7);
  });

  it('an added.f of the wrong length is ignored', () => {
    const d = decodePex(encode({ added: Uint8Array.of(8, 8, 8, 8, 0, 80), 'added.f': Uint8Array.of(1, 2) }));
    expect(d.added).toEqual([{ host: '8.8.8.8', port: 80 }]);
  });
});
