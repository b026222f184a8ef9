// Replays every fuzz corpus file (seeds and saved crashers, test/fuzz/corpus/<target>/) and every
// in-code seed through its target. Oracle (RELIABILITY (c)2): the target returns or throws a
// MagnetarError, and its own checks hold. A crasher committed here stays fixed.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runOnce, targets } from '../fuzz/targets.ts';

const CORPUS = join(import.meta.dirname, '..', 'fuzz', 'corpus');

function files(target: string): string[] {
  try {
    return readdirSync(join(CORPUS, target)).sort();
  } catch {
    return [];
  }
}

describe.each(Object.keys(targets))('fuzz corpus: %s', (name) => {
  const target = targets[name]!;

  test('has seeds', () => {
    expect(files(name).length + target.seeds().length).toBeGreaterThan(0);
  });

  test.each(files(name))('%s', (file) => {
    const input = new Uint8Array(readFileSync(join(CORPUS, name, file)));
    const { finding } = runOnce(target, input);
    expect(finding?.stack ?? finding).toBeUndefined();
  });

  test('in-code seeds', () => {
    for (const seed of target.seeds()) expect(runOnce(target, seed).finding).toBeUndefined();
  });
});

test('every corpus folder names a registered target', () => {
  let dirs: string[] = [];
  try {
    dirs = readdirSync(CORPUS);
  } catch {
    // no corpus yet
  }
  for (const d of dirs) expect(Object.keys(targets)).toContain(d);
});
