// Deterministic payloads for swarm tests: the same (seed, size) always gives the same bytes, so a
// test can rebuild or hash the expected content instead of storing it. The generator (mulberry32,
// a 32-bit PRNG) fills 1 MiB buffers: about 1 ms per MiB, so a 256 MiB file costs a fraction of a second.

import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, readdirSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';

const CHUNK = 1024 * 1024;

/** Fills `out` from a PRNG state; returns the next state (so chunks chain deterministically). */
function fill(out: Uint8Array, state: number): number {
  const words = new Uint32Array(out.buffer, out.byteOffset, out.byteLength >>> 2);
  let a = state >>> 0;
  for (let i = 0; i < words.length; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    words[i] = (t ^ (t >>> 14)) >>> 0;
  }
  return a;
}

/** Writes `size` pseudo-random bytes derived from `seed` to `path` (parent folders created). */
export async function writePayloadFile(path: string, size: number, seed = 1): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  const fh = await open(path, 'w');
  try {
    const buf = new Uint8Array(CHUNK);
    let state = (seed * 0x9e3779b1) >>> 0;
    for (let written = 0; written < size; ) {
      state = fill(buf, state);
      const n = Math.min(CHUNK, size - written);
      await fh.write(buf, 0, n, written);
      written += n;
    }
  } finally {
    await fh.close();
  }
}

export interface PayloadFile {
  /** Path relative to the tree root, with '/' separators. */
  path: string;
  size: number;
}

/**
 * The default multi-file tree: nested folders, a zero-length file, a file smaller than a piece,
 * sizes that do not align with 16 KiB blocks or pieces. About 4.6 MiB in all.
 */
export const DEFAULT_TREE: readonly PayloadFile[] = [
  { path: 'a.bin', size: 3 * CHUNK + 123 },
  { path: 'empty.txt', size: 0 },
  { path: 'small.txt', size: 1000 },
  { path: 'sub/d.bin', size: 77 },
  { path: 'sub/deeper/c.bin', size: CHUNK + CHUNK / 2 + 1 },
];

/** Writes `files` under `root` (each file seeded with `seed + index`); returns the list written. */
export async function writePayloadTree(
  root: string,
  seed = 1,
  files: readonly PayloadFile[] = DEFAULT_TREE,
): Promise<PayloadFile[]> {
  mkdirSync(root, { recursive: true });
  for (const [i, f] of files.entries())
    await writePayloadFile(join(root, ...f.path.split('/')), f.size, seed + i);
  return [...files];
}

export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('data', (c) => h.update(c))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}

/** Relative paths ('/'-separated) of every regular file under `root`, sorted. */
export function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 100) throw new Error(`listFiles: too deep at ${dir}`);
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p, depth + 1);
      else if (e.isFile()) out.push(relative(root, p).split(sep).join('/'));
    }
  };
  walk(root, 0);
  return out.sort();
}

export interface TreeComparison {
  equal: boolean;
  /** Human-readable differences: missing, extra, size or content mismatches. */
  diffs: string[];
}

/**
 * Compares two trees file by file (names, sizes, sha256). `ignore` skips relative paths on both
 * sides, e.g. `(p) => p.endsWith('.aria2')` for aria2's control files.
 */
export async function compareTrees(
  a: string,
  b: string,
  ignore: (rel: string) => boolean = () => false,
): Promise<TreeComparison> {
  const fa = listFiles(a).filter((p) => !ignore(p));
  const fb = new Set(listFiles(b).filter((p) => !ignore(p)));
  const diffs: string[] = [];
  for (const p of fa) {
    if (!fb.has(p)) {
      diffs.push(`missing in second: ${p}`);
      continue;
    }
    fb.delete(p);
    const [pa, pb] = [join(a, p), join(b, p)];
    const [sa, sb] = [statSync(pa).size, statSync(pb).size];
    if (sa !== sb) diffs.push(`size differs: ${p} (${sa} vs ${sb})`);
    else if ((await sha256File(pa)) !== (await sha256File(pb))) diffs.push(`content differs: ${p}`);
  }
  for (const p of fb) diffs.push(`extra in second: ${p}`);
  return { equal: diffs.length === 0, diffs };
}
