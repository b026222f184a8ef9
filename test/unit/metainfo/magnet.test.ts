// Magnet links (BEP 9) and RELIABILITY T27: bad info-hashes, several xt, floods of tr=, hostile dn.
import { describe, expect, test } from 'vitest';
import {
  infoHashToBase32,
  MAX_TRACKERS,
  parseMagnet,
  toMagnet,
} from '../../../native-host/src/metainfo/index.ts';
import { MAX_MAGNET_LENGTH, MAX_MAGNET_PEERS } from '../../../native-host/src/metainfo/magnet.ts';
import { expectCode } from '../bencode/helpers.ts';

const HEX = 'c12fe1c06bba254a9dc9f519b335aa7c1367a88a';
const B32 = 'YEX6DQDLXISUVHOJ6UM3GNNKPQJWPKEK';

describe('parseMagnet', () => {
  test('hex btih, name, trackers, peers', () => {
    const m = parseMagnet(
      `magnet:?xt=urn:btih:${HEX.toUpperCase()}&dn=Some+File%20Name&tr=udp%3A%2F%2Ft.example%3A80&tr=http://u.example/a` +
        '&x.pe=1.2.3.4:6881&x.pe=[::1]:51413&x.pe=host.example:7000',
    );
    expect(m.infoHashHex).toBe(HEX);
    expect(m.infoHash).toHaveLength(20);
    expect(m.name).toBe('Some File Name');
    expect(m.trackers).toEqual(['udp://t.example:80', 'http://u.example/a']);
    expect(m.peers).toEqual([
      { host: '1.2.3.4', port: 6881 },
      { host: '::1', port: 51413 },
      { host: 'host.example', port: 7000 },
    ]);
  });

  test('base32 btih (32 characters) equals the hex form', () => {
    expect(infoHashToBase32(parseMagnet(`magnet:?xt=urn:btih:${HEX}`).infoHash)).toBe(B32);
    expect(parseMagnet(`magnet:?xt=urn:btih:${B32}`).infoHashHex).toBe(HEX);
    expect(parseMagnet(`magnet:?xt=urn:btih:${B32.toLowerCase()}`).infoHashHex).toBe(HEX);
  });

  test('no name and no trackers is a valid link', () => {
    const m = parseMagnet(`magnet:?xt=urn:btih:${HEX}`);
    expect(m.name).toBeUndefined();
    expect(m.trackers).toEqual([]);
    expect(m.peers).toEqual([]);
  });

  test.each([
    ['not a magnet', `http://x/?xt=urn:btih:${HEX}`],
    ['no query', 'magnet:'],
    ['no xt', 'magnet:?dn=x'],
    ['39 hex', `magnet:?xt=urn:btih:${HEX.slice(1)}`],
    ['41 hex', `magnet:?xt=urn:btih:${HEX}0`],
    ['non-hex 40', `magnet:?xt=urn:btih:${'g'.repeat(40)}`],
    ['31 base32', `magnet:?xt=urn:btih:${B32.slice(1)}`],
    ['base32 with 1 and 8', `magnet:?xt=urn:btih:${'1'.repeat(16)}${'8'.repeat(16)}`],
    ['empty btih', 'magnet:?xt=urn:btih:'],
    ['two different xt', `magnet:?xt=urn:btih:${HEX}&xt=urn:btih:${'0'.repeat(40)}`],
    ['only a v2 btmh', `magnet:?xt=urn:btmh:1220${'a'.repeat(64)}`],
    ['bad percent-encoding in xt', 'magnet:?xt=urn:btih:%zz'],
    ['over 64 KiB', `magnet:?xt=urn:btih:${HEX}&tr=${'a'.repeat(MAX_MAGNET_LENGTH)}`],
  ])('%s → MAGNET_INVALID', (_name, uri) => {
    expectCode(() => parseMagnet(uri), 'MAGNET_INVALID');
  });

  test('the same xt twice (hex and base32) is fine', () => {
    expect(parseMagnet(`magnet:?xt=urn:btih:${HEX}&xt=urn:btih:${B32}`).infoHashHex).toBe(HEX);
  });

  test('v1 + v2 hybrid link uses the btih', () => {
    const m = parseMagnet(`magnet:?xt=urn:btmh:1220${'a'.repeat(64)}&xt=urn:btih:${HEX}`);
    expect(m.infoHashHex).toBe(HEX);
  });

  test('3,000 tr= are capped and deduplicated (CVE-2010-0749)', () => {
    const trs = Array.from({ length: 3000 }, (_, i) => `tr=udp://t${i % 500}:1`).join('&');
    const m = parseMagnet(`magnet:?xt=urn:btih:${HEX}&${trs}`);
    expect(m.trackers).toHaveLength(MAX_TRACKERS);
    expect(new Set(m.trackers).size).toBe(MAX_TRACKERS);
  });

  test('10,000 tr= exceed the link size cap → MAGNET_INVALID', () => {
    const trs = Array.from({ length: 10_000 }, (_, i) => `tr=udp://t${i}:1`).join('&');
    expectCode(() => parseMagnet(`magnet:?xt=urn:btih:${HEX}&${trs}`), 'MAGNET_INVALID');
  });

  test('bad trackers and peers are skipped, not fatal', () => {
    const m = parseMagnet(
      `magnet:?xt=urn:btih:${HEX}&tr=file:///etc/passwd&tr=%zz&tr=wss://x&tr=&x.pe=1.2.3.4:0&x.pe=1.2.3.4:70000` +
        '&x.pe=nope&x.pe=%zz&x.pe=[zz]:1&foo=bar&=x&bare',
    );
    expect(m.trackers).toEqual([]);
    expect(m.peers).toEqual([]);
  });

  test('peers are capped', () => {
    const pes = Array.from({ length: 1000 }, (_, i) => `x.pe=10.0.${i >> 8}.${i & 255}:1`).join('&');
    expect(parseMagnet(`magnet:?xt=urn:btih:${HEX}&${pes}`).peers).toHaveLength(MAX_MAGNET_PEERS);
  });

  test.each([
    ['../x', '.._x'],
    ['..', HEX],
    ['CON', '_CON'],
    ['a%2Fb%5Cc', 'a_b_c'],
    ['%E2%80%AEexe.txt', 'exe.txt'],
    ['%00', HEX],
  ])('dn=%s is sanitized to %s', (dn, want) => {
    expect(parseMagnet(`magnet:?xt=urn:btih:${HEX}&dn=${dn}`).name).toBe(want);
  });

  test('bad percent-encoding in dn drops the name only', () => {
    expect(parseMagnet(`magnet:?xt=urn:btih:${HEX}&dn=%E2%28`).name).toBeUndefined();
  });

  test('case-insensitive scheme and keys; indexed keys', () => {
    const m = parseMagnet(`MAGNET:?XT.1=urn:btih:${HEX}&TR.1=http://a.example/&tr.2=http://b.example/`);
    expect(m.infoHashHex).toBe(HEX);
    expect(m.trackers).toEqual(['http://a.example/', 'http://b.example/']);
  });
});

describe('toMagnet', () => {
  test('round trips through parseMagnet', () => {
    const uri = toMagnet({
      infoHashHex: HEX,
      name: 'a name & more+',
      announce: [['udp://t.example:1337/announce', 'http://x.example/a?b=c&d=e'], ['https://y.example/']],
    });
    const m = parseMagnet(uri);
    expect(m.infoHashHex).toBe(HEX);
    expect(m.name).toBe('a name & more+');
    expect(m.trackers).toEqual([
      'udp://t.example:1337/announce',
      'http://x.example/a?b=c&d=e',
      'https://y.example/',
    ]);
  });
});
