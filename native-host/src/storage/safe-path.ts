// The second path check (DESIGN.md rule 11, RELIABILITY B15/S68). The metainfo parser already
// sanitized every component; here we make sure that what the OS would actually open is inside the
// save root: first lexically (path.resolve stays under root + sep), then physically (no existing
// component is a symlink or junction whose target leaves the root — anacrolix's safe-path checks
// only strings, which a `save/Movie -> /etc` link defeats).
//
// A check-then-open race remains (a link created between our lstat and the open). Opening the last
// component with O_NOFOLLOW narrows it to the directories; closing it fully would need openat(2)
// per component, which Node does not offer.

import { constants } from 'node:fs';
import { lstat, realpath } from 'node:fs/promises';
import path from 'node:path';
import { MagnetarError } from '../core/errors.ts';
import { errnoOf } from './fs-errors.ts';

/** O_NOFOLLOW where the platform has it (0 on Windows, where junction checks rely on realpath). */
export const O_NOFOLLOW: number = constants.O_NOFOLLOW ?? 0;

export interface CheckedPath {
  readonly abs: string;
  /** True when the final component exists and is a symlink (pointing inside the root). */
  readonly finalIsLink: boolean;
}

function escapeError(root: string, components: readonly string[], why: string): MagnetarError {
  return new MagnetarError('STORAGE_PATH_ESCAPE', `path ${components.join('/')} escapes ${root}: ${why}`, {
    root,
    path: components.join('/'),
  });
}

function inside(parent: string, child: string): boolean {
  return child.startsWith(parent.endsWith(path.sep) ? parent : parent + path.sep);
}

export class SafeRoot {
  readonly root: string;
  private realRoot: string | null = null;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  /** Lexical check only: the absolute path for `components`, strictly inside the root. */
  resolve(components: readonly string[]): string {
    if (components.length === 0) throw escapeError(this.root, components, 'empty path');
    for (const c of components) {
      // The parser guarantees this; a violation here is a parser bug or a hand-built torrent, and
      // refusing is cheaper than reasoning about what path.resolve would make of it.
      if (c === '' || c === '.' || c === '..' || c.includes('/') || c.includes('\\') || c.includes('\0')) {
        throw escapeError(this.root, components, `bad component ${JSON.stringify(c)}`);
      }
    }
    const abs = path.resolve(this.root, ...components);
    if (!inside(this.root, abs)) throw escapeError(this.root, components, 'resolves outside the root');
    return abs;
  }

  /**
   * Lexical check plus a walk of the existing components with lstat: any symlink met must resolve
   * inside the real root. Components that do not exist yet are fine (we create them as plain
   * directories). Read-only: creates nothing.
   */
  async check(components: readonly string[]): Promise<CheckedPath> {
    const abs = this.resolve(components);
    const realRoot = await this.getRealRoot();
    let cur = this.root;
    let finalIsLink = false;
    for (let i = 0; i < components.length; i++) {
      cur = path.join(cur, components[i]!);
      let isLink: boolean;
      try {
        isLink = (await lstat(cur)).isSymbolicLink();
      } catch (e) {
        if (errnoOf(e) === 'ENOENT' || errnoOf(e) === 'ENOTDIR') break;
        throw e;
      }
      if (!isLink) continue;
      let target: string;
      try {
        target = await realpath(cur);
      } catch {
        // A dangling link: following it on create would make a file wherever it points.
        throw escapeError(this.root, components, `dangling symlink at ${cur}`);
      }
      if (!inside(realRoot, target)) throw escapeError(this.root, components, `symlink ${cur} -> ${target}`);
      if (i === components.length - 1) finalIsLink = true;
    }
    return { abs, finalIsLink };
  }

  private async getRealRoot(): Promise<string> {
    if (this.realRoot !== null) return this.realRoot;
    try {
      this.realRoot = await realpath(this.root);
    } catch (e) {
      // The root does not exist yet: nothing under it can be a link, so the lexical root stands.
      // Not cached, so that once created its real path is used.
      if (errnoOf(e) === 'ENOENT') return this.root;
      throw e;
    }
    return this.realRoot;
  }
}
