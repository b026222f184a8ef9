// BEP 3 handshake: layout, reserved bits (BEP 10/6/5), incremental decoding, peer ids.
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  decodeHandshake,
  encodeHandshake,
  HANDSHAKE_LENGTH,
  makePeerId,
  PEER_ID_PREFIX,
} from '../../../native-host/src/wire/index.ts';
import { ascii, concat, expectCode, PROP } from './helpers.ts';

const infoHash = Uint8Array.from({ length: 20 }, (_, i) => i + 1);
const peerId = ascii('-XX0001-abcdefghijkl');

describe('handshake', () => {
  it('encodes the 68-byte BEP 3 layout with our reserved bits', () => {
    const h = encodeHandshake({ infoHash, peerId, extended: true, fast: true, dht: true });
    expect(h.length).toBe(HANDSHAKE_LENGTH);
    expect(h[0]).toBe(19);
    expect(new TextDecoder().decode(h.subarray(1, 20))).toBe('BitTorrent protocol');
    expect([...h.subarray(20, 28)]).toEqual([0, 0, 0, 0, 0, 0x10, 0, 0x05]);
    expect(h.subarray(28, 48)).toEqual(infoHash);
    expect(h.subarray(48, 68)).toEqual(peerId);
  });

  test.prop(
    [
      fc.uint8Array({ minLength: 20, maxLength: 20 }),
      fc.uint8Array({ minLength: 20, maxLength: 20 }),
      fc.boolean(),
      fc.boolean(),
      fc.boolean(),
    ],
    PROP,
  )('round-trips any info-hash, peer id and flags', (ih, pid, extended, fast, dht) => {
    const r = decodeHandshake(encodeHandshake({ infoHash: ih, peerId: pid, extended, fast, dht }));
    expect(r).toEqual({
      handshake: { reserved: expect.any(Uint8Array), infoHash: ih, peerId: pid, extended, fast, dht },
      consumed: 68,
    });
  });

  it('reads other reserved bits without confusing them with ours', () => {
    const h = encodeHandshake({ infoHash, peerId });
    h[20 + 7] = 0xfa; // every bit of byte 7 except fast (0x04) and DHT (0x01)
    h[20 + 5] = 0xef; // every bit of byte 5 except extension (0x10)
    const r = decodeHandshake(h);
    expect('handshake' in r && r.handshake).toMatchObject({ extended: false, fast: false, dht: false });
  });

  it('asks for the missing bytes on every prefix, and leaves what follows to the caller', () => {
    const h = encodeHandshake({ infoHash, peerId, extended: true });
    for (let n = 0; n < 68; n++) expect(decodeHandshake(h.subarray(0, n))).toEqual({ need: 68 - n });
    const withMore = concat([h, Uint8Array.of(0, 0, 0, 1, 1)]);
    const r = decodeHandshake(withMore);
    expect('consumed' in r && r.consumed).toBe(68);
  });

  it('returns copies, not views into the input', () => {
    const h = encodeHandshake({ infoHash, peerId });
    const r = decodeHandshake(h);
    h.fill(0, 28);
    expect('handshake' in r && r.handshake.infoHash).toEqual(infoHash);
  });

  it('P38: a wrong pstrlen is refused on the first byte', () => {
    expectCode(() => decodeHandshake(Uint8Array.of(18)), 'PEER_HANDSHAKE');
    expectCode(() => decodeHandshake(ascii('GET / HTTP/1.1\r\n')), 'PEER_HANDSHAKE');
  });

  it('P38: a wrong protocol string is refused as soon as the wrong byte arrives', () => {
    const bad = encodeHandshake({ infoHash, peerId });
    bad[5] = 0x58;
    expect(decodeHandshake(bad.subarray(0, 5))).toEqual({ need: 63 });
    expectCode(() => decodeHandshake(bad.subarray(0, 6)), 'PEER_HANDSHAKE');
  });

  it('makePeerId gives an Azureus-style id with 12 random alphanumerics', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const id = makePeerId();
      expect(id.length).toBe(20);
      const text = new TextDecoder().decode(id);
      expect(text.startsWith(PEER_ID_PREFIX)).toBe(true);
      expect(text.slice(8)).toMatch(/^[0-9A-Za-z]{12}$/);
      ids.add(text);
    }
    expect(ids.size).toBe(50);
  });

  it('refuses to encode a short info-hash (our bug)', () => {
    expect(() => encodeHandshake({ infoHash: new Uint8Array(19), peerId })).toThrow(RangeError);
  });
});
