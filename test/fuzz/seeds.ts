// Seed inputs generated in code, one list per fuzz target. They start the mutator near valid
// inputs; files under test/fuzz/corpus/<target>/ (including saved crashers) are added to them.

import { encode } from '../../native-host/src/bencode/index.ts';

const te = new TextEncoder();

function pieces(count: number): Uint8Array {
  const b = new Uint8Array(count * 20);
  for (let i = 0; i < b.length; i++) b[i] = (i * 37) & 0xff;
  return b;
}

export function bdecodeSeeds(): Uint8Array[] {
  return [
    'i0e',
    'i-42e',
    'i9007199254740993e',
    '4:spam',
    '0:',
    'l4:spami42ee',
    'd3:bar4:spam3:fooi42ee',
    'd9:__proto__d5:admini1eee',
    'lld1:ai1eee1:be',
    'd1:bi1e1:ai2ee',
  ].map((s) => te.encode(s));
}

export function metainfoSeeds(): Uint8Array[] {
  const single = encode({
    announce: 'http://127.0.0.1:6969/announce',
    'announce-list': [['http://127.0.0.1:6969/announce'], ['udp://127.0.0.1:6969']],
    comment: 'seed',
    'creation date': 1700000000,
    info: { length: 40000, name: 'file.bin', 'piece length': 16384, pieces: pieces(3) },
  });
  const multi = encode({
    announce: 'udp://127.0.0.1:1/announce',
    info: {
      files: [
        { length: 10000, path: ['a', 'one.txt'] },
        { attr: 'p', length: 6384, path: ['.pad', '6384'] },
        { length: 0, path: ['empty'] },
        { length: 20000, 'path.utf-8': ['b', 'ü.bin'], path: ['b', 'u.bin'] },
      ],
      name: 'folder',
      'piece length': 16384,
      pieces: pieces(3),
      private: 1,
    },
    'url-list': ['http://127.0.0.1:8000/'],
  });
  const hostile = encode({
    info: {
      files: [
        { length: 1, path: ['..', '..', 'etc', 'passwd'] },
        { length: 1, path: ['CON'] },
        { length: 1, path: ['a'] },
        { length: 1, path: ['A', 'b'] },
      ],
      name: '..',
      'piece length': 16384,
      pieces: pieces(1),
    },
  });
  return [single, multi, hostile];
}

export function magnetSeeds(): Uint8Array[] {
  const h = 'c12fe1c06bba254a9dc9f519b335aa7c1367a88a';
  return [
    `magnet:?xt=urn:btih:${h}`,
    `magnet:?xt=urn:btih:${h}&dn=Some+Name&tr=udp%3A%2F%2F127.0.0.1%3A6969&tr=http://127.0.0.1/announce`,
    'magnet:?xt=urn:btih:YEX6DQDLXISUVHOJ6UM3GNNKPQJWPKEK&x.pe=127.0.0.1:6881&x.pe=[::1]:6881',
    `magnet:?xt=urn:btmh:1220${'a'.repeat(64)}&xt=urn:btih:${h}&dn=..%2F..%2Fx`,
  ].map((s) => te.encode(s));
}

export function sanitizePathSeeds(): Uint8Array[] {
  return [
    'a/b/c.txt\na/b/C.TXT\na',
    '../../etc/passwd\n/abs\nC:/Windows\n\\\\host\\share',
    'CON\nnul.txt\ncom1.tar.gz\nname. . \n\u202etxt.exe\na\u200bb',
    `${'x'.repeat(300)}.mkv\n${'é'.repeat(200)}`,
  ].map((s) => te.encode(s));
}
