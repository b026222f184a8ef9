// A real opentracker (HTTP + UDP on one port) on 127.0.0.1 for interop tests.
// Debian's build enforces a whitelist: without `-w` every announce fails "not authorized"; it
// chroots to `-d DIR` and drops to `nobody`, so DIR must be 0755 and the whitelist path is
// relative to DIR (recipes/reference-peers.md).
//
//   const ot = await startOpentracker({ infoHashes: [hex] });
//   ot.httpUrl  // http://127.0.0.1:P/announce     ot.udpUrl  // udp://127.0.0.1:P/announce
//   await ot.stop();

import { chmodSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { decode } from '../../native-host/src/bencode/index.ts';
import { isDict } from '../../native-host/src/bencode/types.ts';
import { freePort, tcpAnswers } from './ports.ts';
import { GiveUp, type Proc, spawnLogged, waitFor } from './procs.ts';
import { makeTempDir } from './tmp.ts';

export interface Opentracker {
  readonly port: number;
  readonly httpUrl: string;
  readonly udpUrl: string;
  readonly proc: Proc;
  /** Folder holding the whitelist and opentracker.log. */
  readonly dir: string;
  /** BEP 48 scrape of one torrent (counts are 0 for an unknown torrent). */
  scrape(infoHash: string): Promise<ScrapeCounts>;
  /** Waits until the tracker counts at least `seeders` seeders (e.g. after starting an aria2 seeder). */
  waitForSeeders(infoHash: string, seeders: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface ScrapeCounts {
  complete: number;
  incomplete: number;
  downloaded: number;
}

export interface OpentrackerOptions {
  /** Info-hashes (40 hex characters) the tracker accepts. */
  infoHashes: readonly string[];
  port?: number;
  startTimeoutMs?: number;
}

export async function startOpentracker(opts: OpentrackerOptions): Promise<Opentracker> {
  for (const h of opts.infoHashes)
    if (!/^[0-9a-fA-F]{40}$/.test(h)) throw new Error(`startOpentracker: not a hex info-hash: ${h}`);
  const tmp = makeTempDir('magnetar-ot-');
  chmodSync(tmp.path, 0o755);
  writeFileSync(
    join(tmp.path, 'whitelist.txt'),
    `${opts.infoHashes.map((h) => h.toLowerCase()).join('\n')}\n`,
  );
  // Retry with a new port if another process grabbed ours between the probe and the bind.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = opts.port ?? (await freePort());
    const p = String(port);
    const proc = spawnLogged(
      'opentracker',
      ['-i', '127.0.0.1', '-p', p, '-P', p, '-d', tmp.path, '-w', 'whitelist.txt'],
      { logPath: join(tmp.path, 'opentracker.log') },
    );
    try {
      await waitFor(
        async () => {
          if (proc.exitInfo()) throw new GiveUp(`opentracker exited: ${proc.log().slice(-500)}`);
          // The port answers before the whitelist is loaded (a separate thread reads it), so
          // wait until a harmless `stopped` announce for the first hash is accepted.
          if (!(await tcpAnswers(port))) return false;
          const first = opts.infoHashes[0];
          return first === undefined || (await whitelistActive(port, first));
        },
        opts.startTimeoutMs ?? 10_000,
        `opentracker on port ${port}`,
      );
    } catch (e) {
      await proc.stop();
      if (attempt === 2 || opts.port !== undefined) {
        tmp.cleanup();
        throw e;
      }
      continue;
    }
    const scrape = (infoHash: string) => scrapeOnce(port, infoHash);
    return {
      scrape,
      async waitForSeeders(infoHash, seeders, timeoutMs = 20_000) {
        await waitFor(
          async () => (await scrape(infoHash)).complete >= seeders,
          timeoutMs,
          `${seeders} seeder(s) on opentracker`,
          200,
        );
      },
      port,
      httpUrl: `http://127.0.0.1:${port}/announce`,
      udpUrl: `udp://127.0.0.1:${port}/announce`,
      proc,
      dir: tmp.path,
      async stop() {
        await proc.stop();
        tmp.cleanup();
      },
    };
  }
  throw new Error('startOpentracker: unreachable');
}

function scrapeOnce(port: number, infoHash: string): Promise<ScrapeCounts> {
  const raw = infoHash.replace(/../g, '%$&');
  const url = `http://127.0.0.1:${port}/scrape?info_hash=${raw}`;
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        try {
          const root = decode(new Uint8Array(Buffer.concat(chunks))).value;
          const files = isDict(root) ? root.get('files') : undefined;
          const key = String.fromCharCode(...Buffer.from(infoHash, 'hex'));
          const e = isDict(files) ? files.get(key) : undefined;
          const n = (k: string) => {
            const v = isDict(e) ? e.get(k) : undefined;
            return typeof v === 'number' ? v : 0;
          };
          resolve({ complete: n('complete'), incomplete: n('incomplete'), downloaded: n('downloaded') });
        } catch (err) {
          reject(err);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('scrape timed out')));
    req.on('error', reject);
  });
}

/** True when opentracker accepts an announce for `infoHash` (no `failure reason`). */
function whitelistActive(port: number, infoHash: string): Promise<boolean> {
  const q = `info_hash=${infoHash.replace(/../g, '%$&')}&peer_id=-PROBE-0000000000000&port=1&left=0&event=stopped&compact=1`;
  return new Promise((resolve) => {
    const req = http.get(`http://127.0.0.1:${port}/announce?${q}`, { agent: false, timeout: 2000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', () => resolve(false));
      res.on('end', () => resolve(!Buffer.concat(chunks).includes('failure reason')));
    });
    req.on('timeout', () => req.destroy(new Error('probe timed out')));
    req.on('error', () => resolve(false));
  });
}
