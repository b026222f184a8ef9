// Shared fixtures for the browser tests: the extension built into a temp folder, the host
// registered by our own installer, a loopback web site serving torrents four ways, small valid
// torrents, and a real swarm (opentracker + a throttled aria2 seeder) for downloads to completion.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { createTorrent } from '../../../native-host/src/metainfo/index.ts';
import { type Aria2Seeder, startAria2Seeder } from '../../helpers/aria2.ts';
import { makeTorrent } from '../../helpers/mktorrent.ts';
import { type Opentracker, startOpentracker } from '../../helpers/opentracker.ts';
import { sha256File, writePayloadFile } from '../../helpers/payload.ts';
import { freePort } from '../../helpers/ports.ts';
import { waitFor } from '../../helpers/procs.ts';

export const REPO = resolve(import.meta.dirname, '../../..');
export const HOST_SCRIPT = join(REPO, 'native-host/dist/magnetar.mjs');
export const ARTIFACTS = join(REPO, 'test-artifacts');

/** Builds the extension for one browser into `outDir` (about 0.5 s; never touches dist/). */
export function buildExtension(browser: 'chrome' | 'firefox', outDir: string, testHooks = false): string {
  execFileSync(
    process.execPath,
    [join(REPO, 'node_modules/vite/bin/vite.js'), 'build', '--outDir', outDir, '--logLevel', 'error'],
    {
      cwd: REPO,
      env: { ...process.env, BROWSER: browser, MAGNETAR_TEST_HOOKS: testHooks ? '1' : '0' },
      stdio: ['ignore', 'ignore', 'inherit'],
      timeout: 60_000,
    },
  );
  return outDir;
}

/** Registers the host with install-scripts/install-host.mjs, exactly as a user would. */
export function installHost(args: string[], env: NodeJS.ProcessEnv): string {
  return execFileSync(process.execPath, [join(REPO, 'install-scripts/install-host.mjs'), ...args], {
    env,
    encoding: 'utf8',
    timeout: 20_000,
  });
}

/** The Chrome id the manifest's key gives (the host and installer derive the same). */
export function extensionId(): string {
  const m = JSON.parse(readFileSync(join(REPO, 'manifest.json'), 'utf8')) as { key: string };
  const hex = createHash('sha256').update(Buffer.from(m.key, 'base64')).digest('hex').slice(0, 32);
  return [...hex].map((c) => String.fromCharCode(97 + Number.parseInt(c, 16))).join('');
}

/** A valid single-file torrent with no trackers (it sits idle in the host: fine for catch tests). */
export async function smallTorrent(name: string): Promise<Uint8Array> {
  const data = new TextEncoder().encode(`payload of ${name}\n`);
  const t = await createTorrent({
    name: `${name}.txt`,
    files: [{ path: [], length: data.length, read: async (o, l) => data.subarray(o, o + l) }],
    pieceLength: 16384,
  });
  return t.bytes;
}

/** A valid torrent with `n` one-byte files in 100 folders (the popup/paging stress case). */
export async function manyFilesTorrent(n: number): Promise<Uint8Array> {
  const one = new Uint8Array([0x61]);
  const files = Array.from({ length: n }, (_, i) => ({
    path: [`folder-${i % 100}`, `file-${String(i).padStart(5, '0')}.txt`],
    length: 1,
    read: async () => one,
  }));
  return (await createTorrent({ name: `many-${n}`, files, pieceLength: 16384 })).bytes;
}

export interface Route {
  body: Uint8Array | string;
  type: string;
  disposition?: string;
}

export interface Site {
  readonly origin: string;
  route(path: string, r: Route): void;
  /** How many times each path was requested. */
  hits: Map<string, number>;
  close(): Promise<void>;
}

export async function startSite(): Promise<Site> {
  const routes = new Map<string, Route>();
  const hits = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const r = routes.get(path);
    if (!r) {
      res.writeHead(404).end('not found');
      return;
    }
    const headers: Record<string, string> = { 'content-type': r.type, 'cache-control': 'no-store' };
    if (r.disposition) headers['content-disposition'] = r.disposition;
    res.writeHead(200, headers).end(typeof r.body === 'string' ? r.body : Buffer.from(r.body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    route: (p, r) => routes.set(p, r),
    hits,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export interface SwarmTorrent {
  readonly name: string;
  readonly torrentBytes: Uint8Array;
  readonly infoHash: string;
  readonly sha256: string;
  readonly size: number;
}

/**
 * One opentracker and one aria2 seeder per payload, upload-throttled so a download takes several
 * seconds (long enough to stop the service worker or the browser in the middle of it).
 */
export class Swarm {
  private constructor(
    private readonly tracker: Opentracker,
    private readonly seeders: Aria2Seeder[],
    readonly torrents: SwarmTorrent[],
  ) {}

  static async start(
    dir: string,
    specs: { name: string; size: number; uploadLimit: string }[],
  ): Promise<Swarm> {
    // mktorrent needs the announce URL before the tracker knows the hashes: reserve the port first.
    const port = await freePort();
    const made: (SwarmTorrent & { data: string; torrentPath: string; uploadLimit: string })[] = [];
    for (const [i, s] of specs.entries()) {
      const data = join(dir, `seed-${s.name}`);
      const file = join(data, `${s.name}.bin`);
      await writePayloadFile(file, s.size, 100 + i);
      const out = join(dir, `${s.name}.torrent`);
      const t = await makeTorrent({
        source: file,
        out,
        announce: [[`http://127.0.0.1:${port}/announce`]],
        pieceLengthExp: 18,
      });
      made.push({
        name: `${s.name}.bin`,
        torrentBytes: new Uint8Array(readFileSync(out)),
        infoHash: t.infoHash,
        sha256: await sha256File(file),
        size: s.size,
        data,
        torrentPath: out,
        uploadLimit: s.uploadLimit,
      });
    }
    const tracker = await startOpentracker({ infoHashes: made.map((m) => m.infoHash), port });
    const seeders: Aria2Seeder[] = [];
    const swarm = new Swarm(tracker, seeders, made);
    try {
      for (const m of made) {
        seeders.push(
          await startAria2Seeder({
            torrentPath: m.torrentPath,
            dataDir: m.data,
            port: await freePort(),
            extraArgs: [`--max-overall-upload-limit=${m.uploadLimit}`],
          }),
        );
        await tracker.waitForSeeders(m.infoHash, 1, 30_000);
      }
    } catch (e) {
      await swarm.stop();
      throw e;
    }
    return swarm;
  }

  async stop(): Promise<void> {
    for (const s of this.seeders.splice(0)) await s.stop();
    await this.tracker.stop();
  }
}

/** Waits until `file` has the expected sha256 (the download completed and verified on disk). */
export async function waitForFile(file: string, sha256: string, timeoutMs: number): Promise<void> {
  await waitFor(
    async () => (await sha256File(file).catch(() => '')) === sha256,
    timeoutMs,
    `${file} complete`,
    500,
  );
}

/** Lines of the host log (MAGNETAR_LOG) matching a request type. */
export function hostRequests(logPath: string, type: string): number {
  let text = '';
  try {
    text = readFileSync(logPath, 'utf8');
  } catch {
    return 0;
  }
  return text.split('\n').filter((l) => l.includes(' request ') && l.includes(`"type":"${type}"`)).length;
}

export function writeJson(path: string, value: unknown): void {
  mkdirSync(resolve(path, '..'), { recursive: true });
  writeFileSync(path, JSON.stringify(value));
}
