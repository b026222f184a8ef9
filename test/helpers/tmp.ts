// Temporary folders for tests: created under the OS temp dir, removed by `cleanup()` (or by
// `removeAllTempDirs()` in a teardown hook). Nothing is left behind.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TempDir {
  readonly path: string;
  cleanup(): void;
}

const dirs = new Set<string>();

// Safety net: folders a script forgot to clean are removed when this process exits normally.
process.once('exit', () => removeAllTempDirs());

export function makeTempDir(prefix = 'magnetar-test-'): TempDir {
  const path = mkdtempSync(join(tmpdir(), prefix));
  dirs.add(path);
  return {
    path,
    cleanup() {
      rmSync(path, { recursive: true, force: true });
      dirs.delete(path);
    },
  };
}

export function removeAllTempDirs(): void {
  for (const d of [...dirs]) {
    rmSync(d, { recursive: true, force: true });
    dirs.delete(d);
  }
}
