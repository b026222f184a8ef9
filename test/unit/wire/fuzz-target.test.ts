// Replays the wire fuzz target (test/fuzz/wire-target.ts) on its seeds and on mutations of them,
// so `npm test` keeps the target and its oracles working between fuzz runs.
import { fc, test } from '@fast-check/vitest';
import { expect, it } from 'vitest';
import { wireSeeds, wireTarget } from '../../fuzz/wire-target.ts';
import { PROP } from './helpers.ts';

it('the seeds pass the oracles', () => {
  const seeds = wireSeeds();
  expect(seeds.length).toBeGreaterThan(0);
  for (const s of seeds) wireTarget(s);
});

test.prop(
  [fc.nat(), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 })],
  PROP,
)('mutated seeds pass the oracles', (pick, edits) => {
  const seeds = wireSeeds();
  const input = seeds[pick % seeds.length]!.slice();
  for (const [at, v] of edits) input[at % input.length] = v;
  wireTarget(input);
});
