// The storage facade one torrent's engine uses: check existing data, verify and write pieces,
// serve reads, save resume data, report per-file progress. It composes the pieces of this folder:
//   file-store (positioned I/O, fd cache, safe paths) · hasher (worker threads) ·
//   checker (full recheck) · resume (fast resume, spot checks)
//
// The engine assembles a whole piece in memory, verifies it here, and only then writes it, so no
// unverified byte ever reaches the disk. Resume data claims a piece only when it was found on
// disk by a check or written and fsynced since (DESIGN rule 10, RELIABILITY S61), whatever
// bitfield the caller passes.
//
// Backpressure (DESIGN rule 7): `pendingWriteBytes` counts bytes handed to writePiece and not yet
// on disk; above `highWater` the engine should stop reading from sockets and await
// `whenBelowLowWater()`.

import { Bitfield } from '../core/bitfield.ts';
import { MagnetarError } from '../core/errors.ts';
import { bytesEqual } from '../core/hex.ts';
import { WRITE_QUEUE_HIGH_BYTES, WRITE_QUEUE_LOW_BYTES } from '../core/limits.ts';
import { pieceHash, type ValidatedTorrent } from '../metainfo/types.ts';
import { checkPieces, statFiles } from './checker.ts';
import { FileStore } from './file-store.ts';
import { Hasher } from './hasher.ts';
import { overlap, piecesOfFile } from './layout.ts';
import { encodeResume, loadResume, type ResumeRejection, saveResumeFile, verifyPieces } from './resume.ts';

export interface TorrentStorageOptions {
  readonly torrent: ValidatedTorrent;
  /** Multi-file payloads go in `saveDir/<name>/…`, a single file in `saveDir/<name>`. */
  readonly saveDir: string;
  /** Fast-resume file; without it every check is a full check and saveResume does nothing. */
  readonly resumePath?: string | undefined;
  /** A session-wide pool; when absent the storage makes (and closes) its own. */
  readonly hasher?: Hasher;
  readonly maxOpenFiles?: number;
  readonly highWaterBytes?: number;
  readonly lowWaterBytes?: number;
  /** Claimed pieces re-hashed when resume data is accepted (S61). Default 4. */
  readonly spotChecks?: number;
}

export interface StorageCheckOptions {
  readonly signal?: AbortSignal;
  /** Pieces checked so far, total, pieces found good. */
  readonly onProgress?: (checked: number, total: number, good: number) => void;
}

/** How the last check() decided (for logs and the UI). */
export type CheckSource =
  | { readonly kind: 'resume'; readonly spotChecked: number }
  | { readonly kind: 'full'; readonly rejected: ResumeRejection | 'spot-check' | 'no-resume-path' };

export class TorrentStorage {
  readonly torrent: ValidatedTorrent;
  readonly highWater: number;
  readonly lowWater: number;
  private readonly store: FileStore;
  private readonly saveDirPath: string;
  private readonly hasher: Hasher;
  private readonly ownsHasher: boolean;
  private readonly resumePath: string | undefined;
  private readonly spotChecks: number;
  /** Pieces known to be on disk and fsynced (from a check, or written then flushed). */
  private readonly durable: Bitfield;
  /** Pieces written since the last flush. */
  private written = new Set<number>();
  private readonly inflight = new Set<Promise<void>>();
  private pending = 0;
  private lowWaiters: (() => void)[] = [];
  private emptyFiles: Promise<void> | null = null;
  private saving: Promise<void> = Promise.resolve();
  private closed = false;
  lastCheck: CheckSource | null = null;

  private constructor(opts: TorrentStorageOptions) {
    this.torrent = opts.torrent;
    this.store = new FileStore(opts.torrent, opts.saveDir, { maxOpenFiles: opts.maxOpenFiles });
    this.saveDirPath = opts.saveDir;
    this.ownsHasher = opts.hasher === undefined;
    this.hasher = opts.hasher ?? new Hasher();
    this.resumePath = opts.resumePath;
    this.spotChecks = opts.spotChecks ?? 4;
    this.highWater = opts.highWaterBytes ?? WRITE_QUEUE_HIGH_BYTES;
    this.lowWater = Math.min(opts.lowWaterBytes ?? WRITE_QUEUE_LOW_BYTES, this.highWater);
    this.durable = new Bitfield(opts.torrent.pieceCount);
  }

  /** Opens nothing on disk yet: files are opened on first use, directories made on first write. */
  static async open(opts: TorrentStorageOptions): Promise<TorrentStorage> {
    const s = new TorrentStorage(opts);
    // Fail early (STORAGE_PATH_ESCAPE) if any file path resolves outside the save dir.
    for (let i = 0; i < opts.torrent.files.length; i++) s.store.pathOf(i);
    return s;
  }

  /** Bytes accepted by writePiece and not yet written. */
  get pendingWriteBytes(): number {
    return this.pending;
  }

  get aboveHighWater(): boolean {
    return this.pending >= this.highWater;
  }

  /** Resolves once pending writes drop to the low-water mark (at once if already there). */
  whenBelowLowWater(): Promise<void> {
    if (this.pending <= this.lowWater || this.closed) return Promise.resolve();
    return new Promise((r) => this.lowWaiters.push(r));
  }

  /** Which pieces are on disk and good: resume data if it is valid and spot-checks pass, else a full check. */
  async check(opts: StorageCheckOptions = {}): Promise<Bitfield> {
    const t = this.torrent;
    let have: Bitfield | null = null;
    if (this.resumePath === undefined) {
      this.lastCheck = { kind: 'full', rejected: 'no-resume-path' };
    } else {
      const r = await loadResume(this.resumePath, t, await statFiles(this.store));
      if ('rejected' in r && r.rejected === 'files-missing') {
        throw new MagnetarError(
          'STORAGE_MISSING',
          `the downloaded files of "${t.name}" are missing from ${this.saveDirPath} (moved, deleted or on a drive ` +
            'that is not mounted); put them back and resume, or remove the torrent and add it again',
          { saveDir: this.saveDirPath },
        );
      }
      if ('rejected' in r) {
        this.lastCheck = { kind: 'full', rejected: r.rejected };
      } else {
        const sample = pickSample(r.bitfield, this.spotChecks);
        const bad = await verifyPieces(this.store, this.hasher, t, sample);
        if (bad.length === 0) {
          have = r.bitfield;
          this.lastCheck = { kind: 'resume', spotChecked: sample.length };
          opts.onProgress?.(t.pieceCount, t.pieceCount, have.count);
        } else {
          this.lastCheck = { kind: 'full', rejected: 'spot-check' };
        }
      }
    }
    have ??= await checkPieces(this.store, this.hasher, opts);
    for (let i = 0; i < t.pieceCount; i++) if (have.has(i)) this.durable.set(i);
    return have;
  }

  /** True when `data` hashes to piece `index`'s SHA-1. `data` stays usable (copied or shared). */
  async verify(index: number, data: Uint8Array): Promise<boolean> {
    const digest = await this.hasher.hash(data);
    return bytesEqual(digest, pieceHash(this.torrent, index));
  }

  /**
   * Like verify(), for a piece buffer the caller owns outright: it is lent to a hash worker and
   * comes back in the result (no copy, and no bytes left behind in the worker's heap).
   */
  async verifyOwned(index: number, data: Uint8Array): Promise<{ ok: boolean; data: Uint8Array }> {
    const r = await this.hasher.hashLent(data);
    return { ok: bytesEqual(r.digest, pieceHash(this.torrent, index)), data: r.data };
  }

  /** Writes a verified piece. Rejects with STORAGE_DISK_FULL / STORAGE_IO / STORAGE_PATH_ESCAPE. */
  writePiece(index: number, data: Uint8Array): Promise<void> {
    this.pending += data.length;
    const p = (async () => {
      try {
        await this.ensureEmptyFiles();
        await this.store.writePiece(index, data);
        this.written.add(index);
      } finally {
        this.pending -= data.length;
        if (this.pending <= this.lowWater) for (const w of this.lowWaiters.splice(0)) w();
      }
    })();
    this.inflight.add(p);
    void p.catch(() => {}).finally(() => this.inflight.delete(p));
    return p;
  }

  /** Reads a block for a peer; STORAGE_MISSING / STORAGE_IO instead of ever returning wrong bytes. */
  read(index: number, begin: number, length: number): Promise<Uint8Array> {
    return this.store.read(index, begin, length);
  }

  /** fsyncs written pieces, then records `have` ∩ (durable pieces) atomically. */
  saveResume(have: Bitfield): Promise<void> {
    const run = async (): Promise<void> => {
      await this.flush();
      if (this.resumePath === undefined) return;
      const claim = new Bitfield(this.torrent.pieceCount);
      for (let i = 0; i < claim.length; i++) if (have.has(i) && this.durable.has(i)) claim.set(i);
      const stats = await statFiles(this.store);
      await saveResumeFile(this.resumePath, encodeResume(this.torrent, claim, stats));
    };
    // One save at a time, in call order; a failed save does not block the next one.
    const p = this.saving.then(run, run);
    this.saving = p.catch(() => {});
    return p;
  }

  /** Waits for writes in progress, fsyncs them, and marks their pieces durable. */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.inflight]);
    const batch = this.written;
    this.written = new Set();
    try {
      await this.store.flush();
    } catch (e) {
      for (const i of batch) this.written.add(i);
      throw e;
    }
    for (const i of batch) this.durable.set(i);
  }

  /** Verified bytes per file index (pad files report 0). */
  fileProgress(have: Bitfield): number[] {
    const t = this.torrent;
    return t.files.map((f, fi) => {
      const range = f.pad ? null : piecesOfFile(t, fi);
      if (!range) return 0;
      let done = 0;
      for (let p = range.first; p <= range.last; p++) if (have.has(p)) done += overlap(t, fi, p);
      return done;
    });
  }

  /** Creates zero-length files now (the engine calls this on completion if nothing was written). */
  createEmptyFiles(): Promise<void> {
    return this.ensureEmptyFiles();
  }

  private ensureEmptyFiles(): Promise<void> {
    // Once per storage; a failure (disk full) is retried by the next write.
    this.emptyFiles ??= this.store.createEmptyFiles().catch((e: unknown) => {
      this.emptyFiles = null;
      throw e;
    });
    return this.emptyFiles;
  }

  /** Open file handles (tests assert 0 after close). */
  get openHandles(): number {
    return this.store.openHandles;
  }

  /** Waits for writes, fsyncs best-effort, closes every handle, and the hasher if we made it. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush().catch(() => {});
    await this.saving;
    this.closed = true;
    for (const w of this.lowWaiters.splice(0)) w();
    await this.store.close();
    if (this.ownsHasher) await this.hasher.close();
  }
}

/** Up to n claimed pieces spread over the torrent: first, last and evenly in between. */
function pickSample(have: Bitfield, n: number): number[] {
  const claimed: number[] = [];
  for (let i = 0; i < have.length; i++) if (have.has(i)) claimed.push(i);
  if (claimed.length <= n) return claimed;
  const out = new Set<number>();
  for (let k = 0; k < n; k++) out.add(claimed[Math.round((k * (claimed.length - 1)) / Math.max(1, n - 1))]!);
  return [...out];
}
