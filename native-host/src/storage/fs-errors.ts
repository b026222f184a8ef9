// OS errors → MagnetarError with the path and errno, so the torrent can be paused with a message
// that names the file and the operation (RELIABILITY S62/S63, DESIGN rule 5).

import { isMagnetarError, MagnetarError } from '../core/errors.ts';

export type StorageOp = 'open' | 'read' | 'write' | 'stat' | 'fsync' | 'mkdir' | 'rename' | 'close';

export function errnoOf(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e
    ? String((e as { code: unknown }).code)
    : undefined;
}

/** Maps a thrown fs error; MagnetarErrors pass through unchanged. */
export function mapFsError(e: unknown, op: StorageOp, path: string): MagnetarError {
  if (isMagnetarError(e)) return e;
  const errno = errnoOf(e) ?? 'UNKNOWN';
  const details = { path, op, errno };
  const opts = { cause: e };
  switch (errno) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new MagnetarError('STORAGE_DISK_FULL', `disk full writing ${path}`, details, opts);
    case 'ENOENT':
      return new MagnetarError('STORAGE_MISSING', `${path} is missing`, details, opts);
    case 'ELOOP':
      // O_NOFOLLOW met a symlink that appeared after the path check.
      return new MagnetarError('STORAGE_PATH_ESCAPE', `${path} became a symlink`, details, opts);
    default:
      // EACCES, EPERM, EROFS, EIO, EMFILE, ENFILE, EISDIR, ENOTDIR, ...: all the torrent's problem.
      return new MagnetarError('STORAGE_IO', `${op} ${path} failed: ${errno}`, details, opts);
  }
}
