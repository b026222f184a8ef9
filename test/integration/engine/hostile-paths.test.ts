// Torrents whose file names try to escape the download folder (RELIABILITY B15/B16): each is
// downloaded for real from a Magnetar seeder; afterwards the case folder holds only `root`, every
// file landed inside it, and every byte is right.

import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { encode } from '../../../native-host/src/bencode/index.ts';
import { parseTorrent } from '../../../native-host/src/metainfo/index.ts';
import { listFiles } from '../../helpers/payload.ts';
import { makeTempDir, removeAllTempDirs } from '../../helpers/tmp.ts';
import { closeSessions, seeding, session, whenDone } from './fixtures.ts';

afterEach(() => closeSessions());
afterAll(() => removeAllTempDirs());

const PIECE = 16 * 1024;

function hostileTorrent(
  name: string,
  files: { path: string[]; size: number }[],
): { bytes: Uint8Array; contents: Uint8Array[] } {
  const contents = files.map((f, i) => new Uint8Array(f.size).map((_, k) => (k * 31 + i * 7) & 0xff));
  const all = Buffer.concat(contents);
  const pieces: Buffer[] = [];
  for (let o = 0; o < all.length; o += PIECE)
    pieces.push(
      createHash('sha1')
        .update(all.subarray(o, o + PIECE))
        .digest(),
    );
  const info =
    files.length === 1 && files[0]!.path.length === 0
      ? { length: files[0]!.size, name, 'piece length': PIECE, pieces: Buffer.concat(pieces) }
      : {
          files: files.map((f) => ({ length: f.size, path: f.path })),
          name,
          'piece length': PIECE,
          pieces: Buffer.concat(pieces),
        };
  return { bytes: encode({ info }), contents };
}

const CASES: { label: string; name: string; files: { path: string[]; size: number }[] }[] = [
  {
    label: 'parent components',
    name: 'pkg',
    files: [
      { path: ['..', '..', 'escape.txt'], size: 20_000 },
      { path: ['ok.txt'], size: 10 },
    ],
  },
  {
    label: 'absolute path in a component',
    name: 'pkg',
    files: [
      { path: ['/etc/passwd'], size: 3000 },
      { path: ['x'], size: 5 },
    ],
  },
  {
    label: 'separators inside components',
    name: 'pkg',
    files: [
      { path: ['a/../../b'], size: 100 },
      { path: ['c\\..\\..\\d'], size: 100 },
    ],
  },
  {
    label: 'hostile torrent name',
    name: '..',
    files: [
      { path: ['f.txt'], size: 4000 },
      { path: ['g.txt'], size: 1 },
    ],
  },
  { label: 'absolute torrent name, single file', name: '/tmp/evil.bin', files: [{ path: [], size: 40_000 }] },
  {
    label: 'Windows names, drive letters, UNC',
    name: 'pkg',
    files: [
      { path: ['CON'], size: 10 },
      { path: ['C:', 'win.ini'], size: 10 },
      { path: ['\\\\host\\share', 'x'], size: 10 },
      { path: ['nul.txt'], size: 10 },
    ],
  },
  {
    label: 'duplicates after sanitizing',
    name: 'pkg',
    files: [
      { path: ['dup.txt'], size: 30 },
      { path: ['dup.txt'], size: 40 },
      { path: ['DUP.txt'], size: 50 },
      { path: ['', '.', 'dup.txt'], size: 60 },
    ],
  },
];

describe('hostile paths downloaded for real stay inside the download folder', () => {
  for (const c of CASES) {
    it(c.label, async () => {
      const tmp = makeTempDir();
      const { bytes, contents } = hostileTorrent(c.name, c.files);
      const meta = parseTorrent(bytes);
      // The seeder holds the data where our own sanitizer puts it.
      const seedRoot = join(tmp.path, 'seed');
      const base = meta.multiFile ? join(seedRoot, meta.name) : seedRoot;
      meta.files.forEach((f, i) => {
        const p = join(base, ...f.path);
        mkdirSync(resolve(p, '..'), { recursive: true });
        writeFileSync(p, contents[i]!);
      });
      const seeder = await session({ downloadRoot: seedRoot });
      const s = await seeder.addTorrentFile(bytes);
      await seeding(seeder, s.id);

      const caseDir = join(tmp.path, 'case');
      const root = join(caseDir, 'root');
      mkdirSync(root, { recursive: true });
      const leecher = await session({
        downloadRoot: root,
        extraPeers: [{ host: '127.0.0.1', port: seeder.port }],
      });
      const t = await leecher.addTorrentFile(bytes, { seed: false });
      await whenDone(leecher, t.id, 30_000);
      await closeSessions();

      expect(readdirSync(caseDir)).toEqual(['root']);
      const written = listFiles(root);
      expect(written.length).toBe(meta.files.length);
      for (const [i, f] of meta.files.entries()) {
        const p = resolve(meta.multiFile ? join(root, meta.name) : root, ...f.path);
        expect(p.startsWith(root + sep)).toBe(true);
        expect(new Uint8Array(readFileSync(p))).toEqual(contents[i]);
      }
    });
  }
});
