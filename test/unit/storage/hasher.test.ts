// SHA-1 pool off the event loop. RELIABILITY items: S66 (a piece is marked only after a full hash,
// so the digest must be exact), L (memory bounded: MAX_HASHES_IN_FLIGHT), DESIGN rule 8 (no worker
// left after close).

import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isMagnetarError } from '../../../native-host/src/core/errors.ts';
import { Hasher } from '../../../native-host/src/storage/hasher.ts';
import { bytes } from './make-torrent.ts';

const sha1 = (b: Uint8Array) => new Uint8Array(createHash('sha1').update(b).digest());

function workerResources(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'MessagePort' || r === 'Worker').length;
}

describe('Hasher', () => {
  it('digests equal node:crypto for arbitrary inputs (property)', async () => {
    const h = new Hasher();
    try {
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 70_000 }), async (b) => {
          expect(await h.hash(b)).toEqual(sha1(b));
        }),
        { seed: 7, numRuns: 100 },
      );
    } finally {
      await h.close();
    }
  });

  it('hashes views into larger buffers, copies by default, transfers or shares on request', async () => {
    const h = new Hasher({ threads: 2 });
    const big = bytes(1 << 20, 3);
    const view = big.subarray(1000, 5000);
    expect(await h.hash(view)).toEqual(sha1(view));
    expect(big.byteLength).toBe(1 << 20); // default: copied, caller keeps its data

    const own = bytes(4096, 4);
    const want = sha1(own);
    expect(await h.hash(own, { transfer: true })).toEqual(want);
    expect(own.byteLength).toBe(0); // moved to the worker: the caller's view is detached

    const shared = new Uint8Array(new SharedArrayBuffer(4096));
    shared.set(bytes(4096, 5));
    expect(await h.hash(shared, { transfer: true })).toEqual(sha1(shared));
    expect(shared.byteLength).toBe(4096); // shared, never detached
    await h.close();
  });

  it('bounds hashes in flight and uses at most `threads` workers', async () => {
    const h = new Hasher({ threads: 2, maxInFlight: 3 });
    const inputs = Array.from({ length: 20 }, (_, i) => bytes(64 * 1024, i + 1));
    let maxPending = 0;
    const all = inputs.map(async (b) => {
      const p = h.hash(b);
      maxPending = Math.max(maxPending, h.pending);
      return p;
    });
    const digests = await Promise.all(all);
    digests.forEach((d, i) => {
      expect(d).toEqual(sha1(inputs[i]!));
    });
    expect(maxPending).toBeLessThanOrEqual(3);
    expect(h.workerCount).toBeLessThanOrEqual(2);
    expect(h.pending).toBe(0);
    await h.close();
  });

  it('terminates its workers on close and rejects later or pending work with ABORTED', async () => {
    const before = workerResources();
    const h = new Hasher({ threads: 2, maxInFlight: 2 });
    await h.hash(bytes(10, 1));
    expect(h.workerCount).toBeGreaterThan(0);
    const pending = [h.hash(bytes(1 << 20, 2)), h.hash(bytes(1 << 20, 3)), h.hash(bytes(10, 4))];
    const settled = Promise.allSettled(pending);
    await h.close();
    const results = await settled;
    for (const r of results) {
      if (r.status === 'rejected') expect(isMagnetarError(r.reason, 'ABORTED')).toBe(true);
    }
    expect(h.workerCount).toBe(0);
    await expect(h.hash(bytes(1, 1))).rejects.toMatchObject({ code: 'ABORTED' });
    expect(workerResources()).toBeLessThanOrEqual(before);
  });
});
