// Valid torrents: single- and multi-file, BEP 12/19/27/47 fields, and the info-hash taken over the
// raw info bytes even when the info dict is not canonical (RELIABILITY B8).
import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { decode, encode } from '../../../native-host/src/bencode/index.ts';
import { parseTorrent, pieceHash, pieceSize, toMagnet } from '../../../native-host/src/metainfo/index.ts';
import { ascii, latin1 } from '../bencode/helpers.ts';
import { fakePieces, multiInfo, PIECE, singleInfo, torrent } from './build.ts';

const sha1hex = (b: Uint8Array) => createHash('sha1').update(b).digest('hex');

describe('single-file torrent', () => {
  const bytes = torrent(singleInfo(), {
    'announce-list': [['http://a.example/ann', 'udp://b.example:6969'], ['https://c.example/x']],
    comment: 'hello',
    'created by': 'test',
    'creation date': 1700000000,
    'url-list': 'http://seed.example/file.bin',
  });
  const t = parseTorrent(bytes);

  test('geometry', () => {
    expect(t.name).toBe('file.bin');
    expect(t.multiFile).toBe(false);
    expect(t.totalLength).toBe(40000);
    expect(t.pieceLength).toBe(PIECE);
    expect(t.pieceCount).toBe(3);
    expect(t.lastPieceLength).toBe(40000 - 2 * PIECE);
    expect(pieceSize(t, 0)).toBe(PIECE);
    expect(pieceSize(t, 2)).toBe(t.lastPieceLength);
    expect(pieceHash(t, 1)).toEqual(new Uint8Array(20).fill(1));
    expect(t.files).toEqual([{ path: ['file.bin'], length: 40000, offset: 0, pad: false }]);
  });

  test('BEP 12 announce-list replaces announce; other fields kept', () => {
    expect(t.announce).toEqual([['http://a.example/ann', 'udp://b.example:6969'], ['https://c.example/x']]);
    expect(t.comment).toBe('hello');
    expect(t.createdBy).toBe('test');
    expect(t.creationDate).toBe(1700000000);
    expect(t.urlList).toEqual(['http://seed.example/file.bin']);
    expect(t.private).toBe(false);
    expect(t.warnings).toEqual([]);
  });

  test('info-hash is SHA-1 of the info bytes', () => {
    expect(t.infoHashHex).toBe(sha1hex(t.infoBytes));
    expect(t.infoBytes).toEqual(encode(singleInfo()));
  });
});

describe('multi-file torrent', () => {
  const files = [
    { length: 10000, path: ['a', 'one.txt'] },
    { length: 6384, path: ['.pad', '6384'], attr: 'p' },
    { length: 0, path: ['empty'] },
    { length: 20000, path: ['b', 'c', 'two.bin'] },
  ];
  const t = parseTorrent(torrent(multiInfo(files, { private: 1 })));

  test('files, offsets, pad files, zero-length files', () => {
    expect(t.multiFile).toBe(true);
    expect(t.name).toBe('folder');
    expect(t.totalLength).toBe(36384);
    expect(t.pieceCount).toBe(3);
    expect(t.files.map((f) => [f.path.join('/'), f.offset, f.length, f.pad])).toEqual([
      ['a/one.txt', 0, 10000, false],
      ['.pad/6384', 10000, 6384, true],
      ['empty', 16384, 0, false],
      ['b/c/two.bin', 16384, 20000, false],
    ]);
    expect(t.private).toBe(true);
  });

  test('several pad files with the same path are not renamed', () => {
    const t2 = parseTorrent(
      torrent(
        multiInfo([
          { length: 100, path: ['x'] },
          { length: 16284, path: ['.pad', '16284'], attr: 'p' },
          { length: 100, path: ['y'] },
          { length: 16284, path: ['.pad', '16284'], attr: 'p' },
          { length: 1, path: ['z'] },
        ]),
      ),
    );
    expect(t2.files.map((f) => f.path.join('/'))).toEqual(['x', '.pad/16284', 'y', '.pad/16284', 'z']);
  });
});

describe('field variants', () => {
  test('name.utf-8 and path.utf-8 are preferred', () => {
    const info = multiInfo([{ length: 5, path: ['legacy'] }], {
      'name.utf-8': 'Ünïcode',
      files: [{ length: 5, path: ['legacy'], 'path.utf-8': ['dir', 'ü.txt'] }],
    });
    const t = parseTorrent(torrent(info));
    expect(t.name).toBe('Ünïcode');
    expect(t.files[0]!.path).toEqual(['dir', 'ü.txt']);
  });

  test('invalid UTF-8 in a name becomes U+FFFD, never a refusal (B16)', () => {
    const info = singleInfo({ name: latin1('bad\xff\xfename') });
    const t = parseTorrent(torrent(info));
    expect(t.name).toBe('bad\ufffd\ufffdname');
  });

  test.each(['', '.', '..', '///', '\u202e'])('name %j falls back to the info-hash (B20)', (name) => {
    const t = parseTorrent(torrent(singleInfo({ name })));
    expect(t.name).toBe(t.infoHashHex);
    expect(t.files[0]!.path).toEqual([t.infoHashHex]);
  });

  test('a missing name falls back to the info-hash with a warning', () => {
    const t = parseTorrent(torrent(singleInfo({ name: undefined })));
    expect(t.name).toBe(t.infoHashHex);
    expect(t.warnings.length).toBeGreaterThan(0);
  });

  test('hostile single-file name is sanitized', () => {
    const t = parseTorrent(torrent(singleInfo({ name: '../../etc/passwd' })));
    expect(t.name).toBe('.._.._etc_passwd');
  });

  test('announce only; bad schemes, blanks and duplicates dropped', () => {
    const t = parseTorrent(
      torrent(singleInfo(), {
        announce: '  http://t.example/a  ',
        'announce-list': [['file:///etc/passwd', 'javascript:alert(1)', ''], [], [5]],
      }),
    );
    expect(t.announce).toEqual([['http://t.example/a']]);
    const t2 = parseTorrent(
      torrent(singleInfo(), {
        'announce-list': [
          ['udp://x.example:1', 'udp://x.example:1'],
          ['udp://x.example:1', 'wss://y.example'],
        ],
      }),
    );
    expect(t2.announce).toEqual([['udp://x.example:1']]);
  });

  test('no trackers at all is fine (DHT)', () => {
    const t = parseTorrent(torrent(singleInfo(), { announce: undefined }));
    expect(t.announce).toEqual([]);
  });

  test('private must be the integer 1 (BEP 27)', () => {
    expect(parseTorrent(torrent(singleInfo({ private: 0 }))).private).toBe(false);
    expect(parseTorrent(torrent(singleInfo({ private: '1' }))).private).toBe(false);
    expect(parseTorrent(torrent(singleInfo({ private: 1 }))).private).toBe(true);
  });

  test('cosmetic fields of the wrong type are ignored', () => {
    const t = parseTorrent(torrent(singleInfo(), { comment: 5, 'created by': [], 'creation date': 'x' }));
    expect(t.comment).toBeUndefined();
    expect(t.createdBy).toBeUndefined();
    expect(t.creationDate).toBeUndefined();
  });

  test('url-list as a list, filtered', () => {
    const t = parseTorrent(
      torrent(singleInfo(), { 'url-list': ['http://a.example/', 'udp://b.example/', 'http://a.example/'] }),
    );
    expect(t.urlList).toEqual(['http://a.example/']);
  });

  test('trailing bytes are tolerated with a warning (B9)', () => {
    const bytes = torrent(singleInfo());
    const withJunk = new Uint8Array([...bytes, ...ascii('JUNK')]);
    const t = parseTorrent(withJunk);
    expect(t.infoHashHex).toBe(parseTorrent(bytes).infoHashHex);
    expect(t.warnings).toEqual(['4 bytes after the torrent were ignored']);
  });

  test('toMagnet carries the hash, name and trackers', () => {
    const t = parseTorrent(torrent(singleInfo({ name: 'a b&c' })));
    expect(toMagnet(t)).toBe(
      `magnet:?xt=urn:btih:${t.infoHashHex}&dn=a%20b%26c&tr=${encodeURIComponent('http://tracker.example/announce')}`,
    );
  });
});

describe('info-hash over the raw span (B8)', () => {
  // Keys out of order: "pieces" before "name", "length" last. Canonical re-encoding would sort them.
  const pieces = fakePieces(1);
  const rawInfo = new Uint8Array([
    ...ascii('d6:pieces20:'),
    ...pieces,
    ...ascii('4:name5:x.bin12:piece lengthi16384e6:lengthi100ee'),
  ]);
  const bytes = new Uint8Array([...ascii('d4:info'), ...rawInfo, ...ascii('e')]);

  test('unsorted info dict: hash of the raw bytes, not of a re-encoding', () => {
    const t = parseTorrent(bytes);
    expect(t.infoHashHex).toBe(sha1hex(rawInfo));
    const reencoded = encode(decode(rawInfo).value);
    expect(sha1hex(reencoded)).not.toBe(sha1hex(rawInfo));
    expect(t.infoBytes).toEqual(rawInfo);
  });

  test('infoBytes is a copy, not a view of the caller buffer', () => {
    const copy = bytes.slice();
    const t = parseTorrent(copy);
    copy.fill(0);
    expect(t.infoHashHex).toBe(sha1hex(t.infoBytes));
  });
});
