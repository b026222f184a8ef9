import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  checkDownloadRoot,
  checkSavePath,
  defaultDataDir,
  defaultDownloadRoot,
  resolveSavePath,
} from '../../../native-host/src/nm/paths.ts';

const root = '/srv/dl';

describe('checkSavePath (lexical)', () => {
  it.each([
    [undefined, '/srv/dl'],
    ['films', '/srv/dl/films'],
    ['a/b/c', '/srv/dl/a/b/c'],
    ['./x', '/srv/dl/x'],
    ['/srv/dl/inside', '/srv/dl/inside'],
    ['/srv/dl', '/srv/dl'],
    ['x..y', '/srv/dl/x..y'],
  ])('%j → %s', (p, want) => {
    expect(checkSavePath(root, p)).toEqual({ ok: true, path: want });
  });

  it.each([
    [''],
    ['..'],
    ['../x'],
    ['a/../../x'],
    ['a/..'],
    ['/etc'],
    ['/srv/dl2'],
    ['/srv/dl/../x'],
    ['~'],
    ['~/x'],
    ['a\\b'],
    ['..\\..\\windows'],
    ['a\u0000b'],
    ['a\nb'],
    ['C:/Windows'],
    ['c:x'],
  ])('%j is refused', (p) => {
    expect(checkSavePath(root, p).ok).toBe(false);
  });
});

describe('resolveSavePath (symlinks)', () => {
  const base = mkdtempSync(join(tmpdir(), 'mg-paths-'));
  afterAll(() => rmSync(base, { recursive: true, force: true }));
  const r = join(base, 'root');
  mkdirSync(join(r, 'real'), { recursive: true });
  mkdirSync(join(base, 'outside'));
  symlinkSync(join(base, 'outside'), join(r, 'escape'));
  symlinkSync(join(r, 'real'), join(r, 'alias'));

  it('refuses a path through a symlink that leads outside the root', async () => {
    expect((await resolveSavePath(r, 'escape/new/dir')).ok).toBe(false);
    expect((await resolveSavePath(r, 'escape')).ok).toBe(false);
  });
  it('accepts symlinks that stay inside, and folders that do not exist yet', async () => {
    expect(await resolveSavePath(r, 'alias/x')).toEqual({ ok: true, path: join(r, 'alias/x') });
    expect(await resolveSavePath(r, 'not/yet/there')).toEqual({ ok: true, path: join(r, 'not/yet/there') });
  });
});

describe('folders', () => {
  const env = (e: Record<string, string>) => ({ env: e, home: '/home/u' });
  it('data dir: MAGNETAR_HOME, XDG_DATA_HOME, platform defaults', () => {
    expect(defaultDataDir({ ...env({ MAGNETAR_HOME: '/m' }), platform: 'linux' })).toBe('/m');
    expect(defaultDataDir({ ...env({ MAGNETAR_HOME: 'relative' }), platform: 'linux' })).toBe(
      '/home/u/.local/share/magnetar',
    );
    expect(defaultDataDir({ ...env({ XDG_DATA_HOME: '/x' }), platform: 'linux' })).toBe('/x/magnetar');
    expect(defaultDataDir({ ...env({}), platform: 'darwin' })).toBe(
      '/home/u/Library/Application Support/Magnetar',
    );
    expect(defaultDataDir({ ...env({ APPDATA: '/appdata' }), platform: 'win32' })).toBe('/appdata/Magnetar');
    expect(defaultDownloadRoot({ ...env({}), platform: 'linux' })).toBe('/home/u/Downloads/Magnetar');
  });
  it('download root must be absolute and free of control characters', () => {
    expect(checkDownloadRoot('/a/b/../c')).toEqual({ ok: true, path: '/a/c' });
    expect(checkDownloadRoot('rel').ok).toBe(false);
    expect(checkDownloadRoot('/a\u0000b').ok).toBe(false);
  });
});
