// The host's torrent list on disk: `<dataDir>/torrents/<infohash>.torrent` (the original bytes)
// beside `<infohash>.json` (save path, flags), and resume data under `<dataDir>/resume/`. Every
// state file is written temp + fsync + rename so a kill at any instant leaves the old or the new
// copy, never a torn one (RELIABILITY S60).

import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';

export interface StoredTorrent {
  readonly infoHash: string;
  readonly torrentBytes: Uint8Array;
  readonly savePath: string;
  readonly addedAt: number;
  readonly paused: boolean;
  readonly seed: boolean;
  readonly completedAt: number | null;
}

interface StoredMeta {
  savePath: string;
  addedAt: number;
  paused: boolean;
  seed: boolean;
  completedAt: number | null;
}

const HEX40 = /^[0-9a-f]{40}$/;

export async function writeFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, file);
  // fsync the directory so the rename itself survives a power cut.
  const dir = await open(path.dirname(file), 'r');
  try {
    await dir.sync();
  } catch {
    // Some filesystems refuse fsync on directories; the rename is still atomic.
  } finally {
    await dir.close();
  }
}

export class TorrentStore {
  private readonly dir: string;
  private readonly resumeDir: string;

  constructor(dataDir: string) {
    this.dir = path.join(dataDir, 'torrents');
    this.resumeDir = path.join(dataDir, 'resume');
  }

  resumePath(infoHash: string): string {
    return path.join(this.resumeDir, `${infoHash}.resume`);
  }

  async loadAll(): Promise<StoredTorrent[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const out: StoredTorrent[] = [];
    for (const n of names) {
      const m = /^([0-9a-f]{40})\.json$/.exec(n);
      if (!m) continue;
      const infoHash = m[1]!;
      try {
        const meta = JSON.parse(await readFile(path.join(this.dir, n), 'utf8')) as StoredMeta;
        const torrentBytes = new Uint8Array(await readFile(path.join(this.dir, `${infoHash}.torrent`)));
        if (typeof meta.savePath !== 'string') continue;
        out.push({
          infoHash,
          torrentBytes,
          savePath: meta.savePath,
          addedAt: Number(meta.addedAt) || Date.now(),
          paused: meta.paused === true,
          seed: meta.seed !== false,
          completedAt: typeof meta.completedAt === 'number' ? meta.completedAt : null,
        });
      } catch {
        // A torn or foreign file is skipped; the rest of the list still loads.
      }
    }
    return out.sort((a, b) => a.addedAt - b.addedAt);
  }

  async save(t: StoredTorrent): Promise<void> {
    if (!HEX40.test(t.infoHash)) throw new Error(`bad info-hash ${t.infoHash}`);
    await writeFileAtomic(path.join(this.dir, `${t.infoHash}.torrent`), t.torrentBytes);
    const meta: StoredMeta = {
      savePath: t.savePath,
      addedAt: t.addedAt,
      paused: t.paused,
      seed: t.seed,
      completedAt: t.completedAt,
    };
    await writeFileAtomic(path.join(this.dir, `${t.infoHash}.json`), JSON.stringify(meta));
  }

  async setPaused(infoHash: string, paused: boolean): Promise<void> {
    if (!HEX40.test(infoHash)) return;
    const file = path.join(this.dir, `${infoHash}.json`);
    try {
      const meta = JSON.parse(await readFile(file, 'utf8')) as StoredMeta;
      meta.paused = paused;
      await writeFileAtomic(file, JSON.stringify(meta));
    } catch {
      // Nothing stored for it (one-shot runs): nothing to update.
    }
  }

  async remove(infoHash: string): Promise<void> {
    if (!HEX40.test(infoHash)) return;
    for (const f of [
      path.join(this.dir, `${infoHash}.json`),
      path.join(this.dir, `${infoHash}.torrent`),
      this.resumePath(infoHash),
    ]) {
      await rm(f, { force: true });
    }
  }
}
