// Where things live on disk, and the one check that keeps every write inside the download root
// (RELIABILITY N74). A message can name a folder (`savePath`), never a location outside the root:
// `..` components, `~`, backslashes, NUL and control characters are refused outright rather than
// interpreted, and after the lexical check the deepest existing ancestor is resolved with realpath
// so a symlink inside the root can't point the write elsewhere.

import { realpath } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';

export interface DirEnv {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly platform: NodeJS.Platform;
  readonly home: string;
}

export function currentDirEnv(): DirEnv {
  return { env: process.env, platform: process.platform, home: homedir() };
}

/** `MAGNETAR_HOME`, else the platform's per-user data folder. */
export function defaultDataDir({ env, platform, home }: DirEnv): string {
  const explicit = env['MAGNETAR_HOME'];
  if (explicit && isAbsolute(explicit)) return explicit;
  if (platform === 'win32') return join(env['APPDATA'] || join(home, 'AppData', 'Roaming'), 'Magnetar');
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'Magnetar');
  const xdg = env['XDG_DATA_HOME'];
  return join(xdg && isAbsolute(xdg) ? xdg : join(home, '.local', 'share'), 'magnetar');
}

/** `~/Downloads/Magnetar` (XDG_DOWNLOAD_DIR is honoured when set in the environment). */
export function defaultDownloadRoot({ env, home }: DirEnv): string {
  const xdg = env['XDG_DOWNLOAD_DIR'];
  return join(xdg && isAbsolute(xdg) ? xdg : join(home, 'Downloads'), 'Magnetar');
}

export type PathCheck = { ok: true; path: string } | { ok: false; reason: string };

/** NUL, other control characters and backslashes are never accepted in a path from a message. */
function hasForbidden(p: string, allowBackslash = false): boolean {
  for (let i = 0; i < p.length; i++) {
    const c = p.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || (c === 0x5c && !allowBackslash)) return true;
  }
  return false;
}

/** Lexical check: resolves `savePath` (relative to root, or absolute) and requires it inside root. */
export function checkSavePath(root: string, savePath: string | undefined): PathCheck {
  if (savePath === undefined) return { ok: true, path: resolve(root) };
  if (savePath.length === 0) return { ok: false, reason: 'empty path' };
  if (hasForbidden(savePath))
    return { ok: false, reason: 'NUL, control characters and backslashes are refused' };
  if (savePath.startsWith('~'))
    return { ok: false, reason: '"~" is not expanded; give a path inside the root' };
  if (savePath.split('/').some((c) => c === '..'))
    return { ok: false, reason: '".." components are refused' };
  if (/^[a-zA-Z]:/.test(savePath)) return { ok: false, reason: 'drive-letter paths are refused' };
  const full = resolve(root, savePath);
  if (!isInside(resolve(root), full)) return { ok: false, reason: 'the path is outside the download folder' };
  return { ok: true, path: full };
}

export function isInside(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** checkSavePath plus symlink resolution of the deepest existing ancestor. */
export async function resolveSavePath(root: string, savePath: string | undefined): Promise<PathCheck> {
  const lexical = checkSavePath(root, savePath);
  if (!lexical.ok) return lexical;
  const realRoot = await realpath(root).catch(() => resolve(root));
  let probe = lexical.path;
  for (;;) {
    const real = await realpath(probe).catch(() => null);
    if (real !== null) {
      const rest = relative(probe, lexical.path);
      const target = rest ? join(real, rest) : real;
      return isInside(realRoot, target)
        ? { ok: true, path: lexical.path }
        : { ok: false, reason: 'a symlink leads outside the download folder' };
    }
    const parent = resolve(probe, '..');
    if (parent === probe) return { ok: true, path: lexical.path };
    probe = parent;
  }
}

/** A download root set from the options page: absolute, normalized, no control characters. */
export function checkDownloadRoot(p: string): PathCheck {
  if (hasForbidden(p, true)) return { ok: false, reason: 'control characters are refused' };
  if (!isAbsolute(p)) return { ok: false, reason: 'the download folder must be an absolute path' };
  return { ok: true, path: resolve(p) };
}
