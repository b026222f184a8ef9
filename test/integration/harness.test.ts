// Proves the reference swarm other tests rely on: a real opentracker (HTTP and UDP), an aria2
// seeder and an aria2 leecher on 127.0.0.1 move a 4 MiB file intact. If this fails, every interop
// test would fail for reasons that are not ours.

import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runAria2Leecher, startAria2Seeder } from '../helpers/aria2.ts';
import { makeTorrent } from '../helpers/mktorrent.ts';
import { type Opentracker, startOpentracker } from '../helpers/opentracker.ts';
import { compareTrees, sha256File, writePayloadFile, writePayloadTree } from '../helpers/payload.ts';
import { freePorts } from '../helpers/ports.ts';
import { livePids, stopAll } from '../helpers/procs.ts';
import { makeTempDir, removeAllTempDirs } from '../helpers/tmp.ts';

afterEach(async () => {
  await stopAll();
});
afterAll(() => {
  removeAllTempDirs();
});

async function swarm(opts: { scheme: 'http' | 'udp'; tree: boolean }) {
  const tmp = makeTempDir();
  const data = join(tmp.path, 'data');
  const src = join(data, opts.tree ? 'tree' : 'payload.bin');
  if (opts.tree) await writePayloadTree(src, 7);
  else await writePayloadFile(src, 4 * 1024 * 1024, 42);
  const [tport, sport, lport, sdht, ldht] = await freePorts(5);
  // The info-hash does not depend on the announce URL, so make the torrent first with a placeholder.
  const url = (ot: { httpUrl: string; udpUrl: string }) => (opts.scheme === 'http' ? ot.httpUrl : ot.udpUrl);
  const probe = await makeTorrent({
    source: src,
    out: join(tmp.path, 'probe.torrent'),
    announce: [['http://x/a']],
  });
  let ot: Opentracker | undefined;
  try {
    ot = await startOpentracker({ infoHashes: [probe.infoHash], port: tport });
    const t = await makeTorrent({ source: src, out: join(tmp.path, 'x.torrent'), announce: [[url(ot)]] });
    expect(t.infoHash).toBe(probe.infoHash);
    const dht = (port: number) => (opts.scheme === 'udp' ? { port } : undefined);
    const seeder = await startAria2Seeder({
      torrentPath: t.torrentPath,
      dataDir: data,
      port: sport!,
      dht: dht(sdht!),
    });
    await ot.waitForSeeders(t.infoHash, 1);
    const out = join(tmp.path, 'out');
    const r = await runAria2Leecher({
      torrentPath: t.torrentPath,
      outDir: out,
      port: lport!,
      timeoutMs: 60_000,
      dht: dht(ldht!),
    });
    expect(r.timedOut, r.log).toBe(false);
    expect(r.code, r.log).toBe(0);
    if (opts.tree) {
      const cmp = await compareTrees(src, join(out, 'tree'), (p) => p.endsWith('.aria2'));
      expect(cmp.diffs).toEqual([]);
    } else expect(await sha256File(join(out, 'payload.bin'))).toBe(await sha256File(src));
    await seeder.stop();
  } finally {
    await ot?.stop();
    tmp.cleanup();
  }
  expect(livePids()).toEqual([]);
}

describe('reference swarm harness', () => {
  it('opentracker HTTP + aria2 seeder + aria2 leecher: 4 MiB single file', async () => {
    await swarm({ scheme: 'http', tree: false });
  });

  it('opentracker UDP (aria2 with DHT on) + multi-file tree', async () => {
    await swarm({ scheme: 'udp', tree: true });
  });
});
