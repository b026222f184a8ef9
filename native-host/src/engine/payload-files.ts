// Deleting a torrent's data ("remove with data"): only the files the torrent names, then the
// folders they leave empty — never a recursive delete of whatever a folder happens to hold.

import { rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import type { ValidatedTorrent } from '../metainfo/types.ts';

export function insideRoot(root: string, p: string, allowEqual: boolean): boolean {
  const r = path.resolve(root);
  const q = path.resolve(p);
  if (q === r) return allowEqual;
  return q.startsWith(r.endsWith(path.sep) ? r : r + path.sep);
}

/** Absolute paths of a torrent's files (padding files excluded). */
export function payloadPaths(meta: ValidatedTorrent, saveDir: string): string[] {
  const base = meta.multiFile ? path.join(saveDir, meta.name) : saveDir;
  return meta.files.filter((f) => !f.pad).map((f) => path.resolve(base, ...f.path));
}

export async function removePayload(meta: ValidatedTorrent, saveDir: string, root: string): Promise<void> {
  const base = meta.multiFile ? path.join(saveDir, meta.name) : saveDir;
  const dirs = new Set<string>();
  for (const p of payloadPaths(meta, saveDir)) {
    if (!insideRoot(root, p, false)) continue;
    await rm(p, { force: true });
    for (
      let d = path.dirname(p);
      insideRoot(base, d, true) && insideRoot(root, d, false);
      d = path.dirname(d)
    ) {
      dirs.add(d);
      if (d === base) break;
    }
  }
  // Deepest first, so children go before parents; a folder with other files in it stays.
  for (const d of [...dirs].sort((a, b) => b.length - a.length)) await rmdir(d).catch(() => undefined);
}
