// Second path check at open time. RELIABILITY items: B15 (resolved path always under the save dir),
// S68 (a symlink inside the save dir never leads a write or read out of the root).

import { mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isMagnetarError } from '../../../native-host/src/core/errors.ts';
import { FileStore } from '../../../native-host/src/storage/file-store.ts';
import { SafeRoot } from '../../../native-host/src/storage/safe-path.ts';
import { bytes, makeTorrent, tempDir } from './make-torrent.ts';

let tmp: { dir: string; cleanup(): Promise<void> };
let root: string;
let outside: string;

beforeEach(async () => {
  tmp = await tempDir();
  root = path.join(tmp.dir, 'save');
  outside = path.join(tmp.dir, 'outside');
  await mkdir(root);
  await mkdir(outside);
});
afterEach(() => tmp.cleanup());

async function rejectsWith(p: Promise<unknown>, code: string): Promise<void> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(isMagnetarError(e) ? e.code : e).toBe(code);
}

describe('SafeRoot.resolve (lexical)', () => {
  it.each([
    [['..', 'x']],
    [['a', '..', '..', 'x']],
    [['/etc/passwd']],
    [['a/b']],
    [['a\\b']],
    [['']],
    [['.']],
    [['nul\0']],
    [[]],
  ])('refuses %j', (components) => {
    const s = new SafeRoot(root);
    expect(() => s.resolve(components)).toThrow(expect.objectContaining({ code: 'STORAGE_PATH_ESCAPE' }));
  });

  it('accepts nested plain components under root + sep', () => {
    const abs = new SafeRoot(root).resolve(['Movie', 'a.mkv']);
    expect(abs).toBe(path.join(root, 'Movie', 'a.mkv'));
  });
});

describe('SafeRoot.check (symlinks, S68)', () => {
  it('refuses a directory symlink that leads out of the root', async () => {
    await symlink(outside, path.join(root, 'Movie'));
    await rejectsWith(new SafeRoot(root).check(['Movie', 'a.mkv']), 'STORAGE_PATH_ESCAPE');
  });

  it('refuses a file symlink that leads out, and a dangling one', async () => {
    await writeFile(path.join(outside, 'passwd'), 'secret');
    await symlink(path.join(outside, 'passwd'), path.join(root, 'f'));
    await symlink(path.join(outside, 'nothing-here'), path.join(root, 'g'));
    await rejectsWith(new SafeRoot(root).check(['f']), 'STORAGE_PATH_ESCAPE');
    await rejectsWith(new SafeRoot(root).check(['g']), 'STORAGE_PATH_ESCAPE');
  });

  it('allows a symlink whose target stays inside the root', async () => {
    await mkdir(path.join(root, 'real'));
    await symlink(path.join(root, 'real'), path.join(root, 'alias'));
    const c = await new SafeRoot(root).check(['alias', 'x']);
    expect(c.abs).toBe(path.join(root, 'alias', 'x'));
  });

  it('works when the root is itself reached through a symlink', async () => {
    const linkRoot = path.join(tmp.dir, 'link-to-save');
    await symlink(root, linkRoot);
    await mkdir(path.join(root, 'd'));
    await expect(new SafeRoot(linkRoot).check(['d', 'x'])).resolves.toBeTruthy();
  });

  it('a torrent write through `save/Movie -> outside` is refused and writes nothing outside', async () => {
    await symlink(outside, path.join(root, 'Movie'));
    const m = makeTorrent(
      'Movie',
      [
        { path: ['a.bin'], data: bytes(100, 1) },
        { path: ['b.bin'], data: bytes(50, 2) },
      ],
      64,
    );
    const store = new FileStore(m.torrent, root);
    await rejectsWith(store.writePiece(0, m.piece(0)), 'STORAGE_PATH_ESCAPE');
    await rejectsWith(store.read(0, 0, 10), 'STORAGE_PATH_ESCAPE');
    await store.close();
    expect(await readdir(outside)).toEqual([]);
  });
});
