// Fuzz worker: runs one target on mutated inputs forever (until its deadline). Before each run it
// copies the input into shared memory and after it bumps a counter, so the parent can tell a hang
// (no progress for 1 s) and still read the input that caused it after terminating us.

import { parentPort, workerData } from 'node:worker_threads';
import { makeRng, mutate } from './mutate.ts';
import { runOnce, targets } from './targets.ts';

export interface WorkerInit {
  readonly target: string;
  readonly corpus: Uint8Array[];
  readonly shared: SharedArrayBuffer;
  readonly seed: number;
  readonly deadline: number;
  readonly maxLen: number;
}

/** Shared layout: Int32 [0] iterations, [1] current input length; bytes from HEADER on: the input. */
export const HEADER = 8;

const init = workerData as WorkerInit;
const target = targets[init.target];
if (!target) throw new Error(`unknown target ${init.target}`);
const counters = new Int32Array(init.shared, 0, 2);
const inputBuf = new Uint8Array(init.shared, HEADER);
const rnd = makeRng(init.seed);
// Some inputs that parse cleanly join the pool: a crude stand-in for coverage feedback.
const pool: Uint8Array[] = init.corpus.length > 0 ? [...init.corpus] : [new Uint8Array(0)];
const MAX_POOL = 2000;
const protoKeys = Object.getOwnPropertyNames(Object.prototype).join();

parentPort!.postMessage({ kind: 'ready' });
while (Date.now() < init.deadline) {
  for (let k = 0; k < 64; k++) {
    const base = pool[rnd(pool.length)]!;
    const input = mutate(base, pool, target.dictionary, rnd, init.maxLen);
    inputBuf.set(input);
    Atomics.store(counters, 1, input.length);
    const { accepted, finding } = runOnce(target, input);
    if (finding) {
      parentPort!.postMessage({
        kind: 'crash',
        input,
        message: `${finding.name}: ${finding.message}`,
        stack: finding.stack,
      });
    } else if (accepted && pool.length < MAX_POOL && rnd(4) === 0) {
      pool.push(input);
    }
    if (Object.getOwnPropertyNames(Object.prototype).join() !== protoKeys) {
      parentPort!.postMessage({ kind: 'crash', input, message: 'Object.prototype was modified', stack: '' });
    }
    Atomics.add(counters, 0, 1);
  }
}
