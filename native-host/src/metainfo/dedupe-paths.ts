// Makes sanitized file paths unique so that two torrent files never share one disk file
// (RELIABILITY B18). Clashes are judged as a case-insensitive, NFC-normalized file system would
// (macOS and Windows defaults), and a file whose path is another file's directory (`a` and `a/b`)
// is a clash too. The later file (or directory) is renamed `name (1).ext`, `name (2).ext`, …;
// libtorrent renames the same way (`duplicate_files`) where Transmission refuses the torrent.

import { MagnetarError } from '../core/errors.ts';
import { MAX_PATH_COMPONENT_BYTES, MAX_RENAME_ATTEMPTS } from '../core/limits.ts';
import { splitExtension, truncateComponent } from './sanitize-path.ts';

// Re-exported: callers and tests import these from here.
export { MAX_RENAME_ATTEMPTS };

export interface DedupeResult {
  readonly paths: string[][];
  /** Indexes of the files whose path changed. */
  readonly renamed: number[];
}

function keyOf(components: readonly string[]): string {
  // Components never contain '/', so joining is unambiguous.
  return components.map((c) => c.normalize('NFC').toLowerCase()).join('/');
}

/** `name (n).ext`, kept within the component byte limit by shortening the stem. */
export function withSuffix(name: string, n: number): string {
  const [stem, ext] = splitExtension(name);
  const suffix = ` (${n})`;
  const room = MAX_PATH_COMPONENT_BYTES - new TextEncoder().encode(suffix + ext).length;
  return truncateComponent(stem, room) + suffix + ext;
}

/**
 * Returns unique paths for `paths` (already sanitized). Files with `skip[i]` true (BEP 47 pad files,
 * never written to disk) keep their path and take part in no clash.
 */
export function dedupePaths(paths: readonly (readonly string[])[], skip?: readonly boolean[]): DedupeResult {
  const fileKeys = new Set<string>();
  const dirKeys = new Set<string>();
  // Original directory prefix (as a key) → the renamed prefix, so a renamed folder keeps its siblings.
  const dirRenames = new Map<string, string[]>();
  const taken = (key: string) => fileKeys.has(key) || dirKeys.has(key);
  const out: string[][] = [];
  const renamed: number[] = [];

  // Next suffix to try per clashing name, so k copies of one name cost O(k), not O(k²).
  const nextSuffix = new Map<string, number>();
  const rename = (parent: readonly string[], name: string): string[] => {
    const base = keyOf([...parent, name]);
    for (let n = nextSuffix.get(base) ?? 1; n <= MAX_RENAME_ATTEMPTS; n++) {
      const candidate = [...parent, withSuffix(name, n)];
      if (!taken(keyOf(candidate))) {
        nextSuffix.set(base, n + 1);
        return candidate;
      }
    }
    throw new MagnetarError('TORRENT_PATH', `more than ${MAX_RENAME_ATTEMPTS} files named "${name}"`);
  };

  paths.forEach((orig, index) => {
    if (skip?.[index]) {
      out.push([...orig]);
      return;
    }
    let cur: string[] = [];
    for (let i = 0; i < orig.length - 1; i++) {
      const origKey = keyOf(orig.slice(0, i + 1));
      const mapped = dirRenames.get(origKey);
      if (mapped) {
        cur = [...mapped];
        continue;
      }
      cur = [...cur, orig[i]!];
      if (fileKeys.has(keyOf(cur))) {
        // An earlier file already has this directory's name: move this folder aside.
        cur = rename(cur.slice(0, -1), orig[i]!);
      }
      dirRenames.set(origKey, cur);
      dirKeys.add(keyOf(cur));
    }
    let full = [...cur, orig[orig.length - 1]!];
    if (taken(keyOf(full))) full = rename(cur, orig[orig.length - 1]!);
    fileKeys.add(keyOf(full));
    if (full.length !== orig.length || full.some((c, i) => c !== orig[i])) renamed.push(index);
    out.push(full);
  });
  return { paths: out, renamed };
}
