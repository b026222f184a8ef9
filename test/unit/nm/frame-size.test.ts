// Every host→browser frame stays ≤ 1 MiB (RELIABILITY N72): 100 torrents with hostile names,
// a 10,000-file torrent with deep paths, paged through `list`, `files` and snapshots.

import { fc, test as fcTest } from '@fast-check/vitest';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_NM_OUT_FRAME_BYTES } from '../../../native-host/src/core/limits.ts';
import { snapshotPages } from '../../../native-host/src/nm/snapshot.ts';
import type { TorrentInfo } from '../../../native-host/src/protocol/messages.ts';
import { byId, frame, type LoopHarness, startLoop, summary } from './support.ts';

let h: LoopHarness | null = null;
afterEach(async () => {
  if (h) {
    h.input.end();
    await h.exit;
    h.cleanup();
    h = null;
  }
});

const name = fc.string({ unit: 'binary', maxLength: 30_000 });

describe('outgoing frames stay under 1 MiB', () => {
  fcTest.prop([fc.array(name, { minLength: 100, maxLength: 100 }), fc.nat(5)], { numRuns: 15 })(
    'snapshots of 100 torrents with arbitrary (huge, non-ASCII) names',
    (names, errIdx) => {
      const list = names.map((n, i) =>
        summary(i, { name: n, error: i === errIdx ? { code: 'STORAGE_IO', message: n.repeat(3) } : null }),
      ) as TorrentInfo[];
      const pages = snapshotPages(1, list);
      expect(pages.reduce((a, p) => a + p.torrents.length, 0)).toBe(100);
      for (const p of pages) {
        expect(Buffer.byteLength(JSON.stringify(p))).toBeLessThanOrEqual(MAX_NM_OUT_FRAME_BYTES);
        expect(p.pages).toBe(pages.length);
      }
    },
  );

  it('100 torrents: list pages and snapshots through the loop; stdout is frames only', async () => {
    const longName = '<img src=x onerror=alert(1)>'.repeat(400);
    h = startLoop({}, (s) => {
      for (let i = 0; i < 100; i++) s.torrents.set(summary(i).id, summary(i, { name: `${i} ${longName}` }));
    });
    h.input.write(frame({ v: 1, id: 'l', type: 'list' }));
    const m = await h.waitFor(byId('l'));
    const r = m['result'] as { total: number; torrents: unknown[] };
    expect(r.total).toBe(100);
    const snap = await h.waitFor((x) => x['type'] === 'snapshot' && x['page'] === 0);
    expect(snap['total']).toBe(100);
    const sizes = h.bodies().map((b) => b.length);
    for (const s of sizes) expect(s).toBeLessThanOrEqual(MAX_NM_OUT_FRAME_BYTES);
    // A measured figure for the report: the largest frame with 100 torrents.
    console.info(
      `100 torrents: largest frame ${Math.max(...sizes)} bytes, list page ${r.torrents.length} items`,
    );
  });

  it('a 10,000-file torrent with deep paths pages through `files` to the end', async () => {
    const id = summary(1).id;
    const deep = Array.from({ length: 30 }, (_, i) => `dir-${i}-${'é'.repeat(60)}`).join('/');
    h = startLoop({}, (s) => {
      s.torrents.set(id, summary(1, { fileCount: 10_000 }));
      s.fileLists.set(
        id,
        Array.from({ length: 10_000 }, (_, i) => ({
          index: i,
          path: `${deep}/file-${i}.bin`,
          size: i,
          done: 0,
        })),
      );
    });
    let offset: number | null = 0;
    let seen = 0;
    let pages = 0;
    while (offset !== null && pages < 100) {
      const rid: string = `f${pages}`;
      h.input.write(frame({ v: 1, id: rid, type: 'files', torrentId: id, offset, limit: 5000 }));
      const m = await h.waitFor(byId(rid));
      const r = m['result'] as { files: { index: number }[]; nextOffset: number | null; total: number };
      expect(r.total).toBe(10_000);
      expect(r.files[0]?.index).toBe(offset);
      seen += r.files.length;
      offset = r.nextOffset;
      pages++;
    }
    expect(seen).toBe(10_000);
    expect(pages).toBeGreaterThan(1);
    const sizes = h.bodies().map((b) => b.length);
    for (const s of sizes) expect(s).toBeLessThanOrEqual(MAX_NM_OUT_FRAME_BYTES);
    console.info(`10,000 files: ${pages} pages, largest frame ${Math.max(...sizes)} bytes`);
  });
});
