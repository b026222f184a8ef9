// The one place where real adapters are built (DESIGN §3): the listening socket, the torrents,
// and the state folder. Torrents, their settings and resume data persist under `dataDir` so a
// restarted host resumes every unfinished torrent by itself.

import path from 'node:path';
import { MagnetarError } from '../core/errors.ts';
import { DEFAULT_MAX_PEERS } from '../core/limits.ts';
import { type Logger, nullLogger } from '../core/log.ts';
import { parseTorrent } from '../metainfo/index.ts';
import type { ValidatedTorrent } from '../metainfo/types.ts';
import { listenTcp, type TcpListener, wrapSocket } from '../net/tcp.ts';
import { Hasher } from '../storage/hasher.ts';
import { readHandshake } from '../swarm/handshake-io.ts';
import { peerKey } from '../swarm/peer-sources.ts';
import { encodeHandshake, makePeerId } from '../wire/index.ts';
import { Admission } from './admission.ts';
import type { AddOptions, FileSummary, SessionApi, SessionEvent, TorrentSummary } from './api.ts';
import { insideRoot, payloadPaths, removePayload } from './payload-files.ts';
import { Torrent } from './torrent.ts';
import { type StoredTorrent, TorrentStore } from './torrent-store.ts';

export interface SessionOptions {
  /** Every save path must resolve inside this folder. */
  readonly downloadRoot: string;
  /** State folder (torrent list, resume data); null keeps nothing (one-shot CLI runs). */
  readonly dataDir: string | null;
  /** TCP listen port; 0 picks a free one. Falls back to a free port when taken. */
  readonly port?: number;
  readonly listenHost?: string;
  readonly seedAfterDownload?: boolean;
  readonly maxPeers?: number;
  readonly uploadSlots?: number;
  /** Peers dialled for every torrent besides tracker peers (tests, `--peer`). */
  readonly extraPeers?: readonly { host: string; port: number }[];
  readonly log?: Logger;
  /** Check swarm invariants after every peer message (tests; slow). */
  readonly checkInvariants?: boolean;
}

export class Session implements SessionApi {
  private readonly opts: SessionOptions;
  private readonly torrents = new Map<string, Torrent>();
  private readonly listeners = new Set<(e: SessionEvent) => void>();
  readonly peerId = makePeerId();
  private listener: TcpListener | null = null;
  private readonly store: TorrentStore | null;
  private closed = false;
  /** One hash worker pool for every torrent (a pool per torrent would multiply threads). */
  private readonly hasher = new Hasher();
  private readonly admission = new Admission();

  private constructor(opts: SessionOptions) {
    this.opts = opts;
    this.store = opts.dataDir ? new TorrentStore(opts.dataDir) : null;
  }

  static async create(opts: SessionOptions): Promise<Session> {
    const s = new Session(opts);
    s.listener = await listenTcp(opts.port ?? 0, opts.listenHost, (sock) => s.onIncoming(sock));
    if (s.store) {
      for (const rec of await s.store.loadAll()) {
        try {
          s.startStored(rec);
        } catch (e) {
          // A stored torrent that no longer parses is skipped; its files stay for the user to see.
          opts.log?.warn('stored torrent skipped', { infoHash: rec.infoHash, error: String(e) });
        }
      }
    }
    return s;
  }

  get port(): number {
    return this.listener?.port ?? 0;
  }

  private emit(e: SessionEvent): void {
    for (const l of this.listeners) l(e);
  }

  on(listener: (e: SessionEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private onIncoming(sock: import('node:net').Socket): void {
    const ip = sock.remoteAddress ?? '?';
    if (!this.admission.admit(ip)) {
      sock.destroy();
      return;
    }
    const key = peerKey(ip, sock.remotePort ?? 0);
    const conn = wrapSocket(sock);
    readHandshake(conn, key)
      .finally(() => this.admission.done(ip))
      .then(({ handshake, rest }) => {
        const t = this.torrents.get(toHex(handshake.infoHash));
        const ours = t
          ? encodeHandshake({ infoHash: t.meta.infoHash, peerId: this.peerId, extended: true, fast: true })
          : null;
        const h = { conn, key, peerId: handshake.peerId, reserved: handshake.reserved, rest };
        if (!t || !ours || !t.acceptIncoming(h, ours)) sock.destroy();
      })
      .catch(() => sock.destroy());
  }

  private resolveSavePath(savePath: string | undefined): string {
    const root = path.resolve(this.opts.downloadRoot);
    if (savePath === undefined || savePath === '') return root;
    const resolved = path.resolve(root, savePath);
    if (!insideRoot(root, resolved, true)) {
      throw new MagnetarError(
        'STORAGE_PATH_ESCAPE',
        `save path ${JSON.stringify(savePath)} is outside the download folder`,
      );
    }
    return resolved;
  }

  private makeTorrent(rec: StoredTorrent): Torrent {
    const meta = parseTorrent(rec.torrentBytes);
    const t = new Torrent(
      {
        meta,
        saveDir: rec.savePath,
        resumePath: this.store ? this.store.resumePath(meta.infoHashHex) : null,
        peerId: this.peerId,
        listenPort: () => this.port,
        maxPeers: this.opts.maxPeers ?? DEFAULT_MAX_PEERS,
        seed: rec.seed,
        uploadSlots: this.opts.uploadSlots ?? 4,
        addedAt: rec.addedAt,
        peers: this.opts.extraPeers,
        hasher: this.hasher,
        log: this.opts.log ?? nullLogger,
        checkInvariants: this.opts.checkInvariants,
      },
      {
        stateChanged: () => undefined,
        done: (x) => {
          void this.persist(x, rec);
          this.emit({ type: 'torrent-done', torrent: x.summary() });
        },
        error: (x) => this.emit({ type: 'torrent-error', torrent: x.summary() }),
      },
    );
    this.torrents.set(meta.infoHashHex, t);
    return t;
  }

  private startStored(rec: StoredTorrent): void {
    const t = this.makeTorrent(rec);
    if (!rec.paused) void t.start();
  }

  private async persist(t: Torrent, rec: StoredTorrent): Promise<void> {
    if (!this.store) return;
    await this.store
      .save({ ...rec, paused: t.state === 'paused', completedAt: t.completedAt })
      .catch(() => undefined);
  }

  async addTorrentFile(bytes: Uint8Array, opts: AddOptions = {}): Promise<TorrentSummary> {
    if (this.closed) throw new MagnetarError('ABORTED', 'session is closed');
    const meta = parseTorrent(bytes);
    const existing = this.torrents.get(meta.infoHashHex);
    if (existing) return existing.summary();
    const savePath = this.resolveSavePath(opts.savePath);
    this.refuseOverlap(meta, savePath);
    const rec: StoredTorrent = {
      infoHash: meta.infoHashHex,
      torrentBytes: bytes,
      savePath,
      addedAt: Date.now(),
      paused: opts.paused ?? false,
      seed: opts.seed ?? this.opts.seedAfterDownload ?? true,
      completedAt: null,
    };
    if (this.store) await this.store.save(rec);
    const t = this.makeTorrent(rec);
    if (!rec.paused) void t.start();
    const summary = t.summary();
    this.emit({ type: 'torrent-added', torrent: summary });
    return summary;
  }

  /**
   * Two torrents writing the same file would clobber each other (RELIABILITY S70): a torrent whose
   * files land where another torrent's files already do is refused, naming the other torrent.
   */
  private refuseOverlap(meta: ValidatedTorrent, savePath: string): void {
    const mine = new Set(payloadPaths(meta, savePath).map((p) => p.toLowerCase()));
    for (const t of this.torrents.values()) {
      const clash = payloadPaths(t.meta, t.summary().savePath).find((p) => mine.has(p.toLowerCase()));
      if (clash) {
        throw new MagnetarError(
          'TORRENT_PATH_CONFLICT',
          `"${meta.name}" would write ${clash}, which belongs to the torrent "${t.meta.name}"; choose another folder`,
          { path: clash, other: t.id },
        );
      }
    }
  }

  async addMagnet(_uri: string, _opts?: AddOptions): Promise<TorrentSummary> {
    throw new MagnetarError(
      'NOT_SUPPORTED',
      'magnet links are not supported yet (metadata download, BEP 9, is coming)',
    );
  }

  list(): TorrentSummary[] {
    return [...this.torrents.values()].map((t) => t.summary());
  }

  get(id: string): TorrentSummary | undefined {
    return this.torrents.get(id)?.summary();
  }

  torrent(id: string): Torrent | undefined {
    return this.torrents.get(id);
  }

  files(id: string, offset: number, limit: number): { total: number; files: FileSummary[] } {
    const t = this.need(id);
    const progress = t.fileProgress();
    const all = t.meta.files;
    const files: FileSummary[] = [];
    for (let i = offset; i < all.length && files.length < limit; i++) {
      const f = all[i]!;
      if (f.pad) continue;
      const rel = t.meta.multiFile ? [t.meta.name, ...f.path] : [...f.path];
      files.push({ index: i, path: rel.join('/'), size: f.length, done: progress[i] ?? 0 });
    }
    return { total: all.length, files };
  }

  private need(id: string): Torrent {
    const t = this.torrents.get(id);
    if (!t) throw new MagnetarError('NOT_FOUND', `no torrent ${id}`);
    return t;
  }

  async pause(id: string): Promise<void> {
    const t = this.need(id);
    await t.pause();
    await this.store?.setPaused(id, true);
  }

  async resume(id: string): Promise<void> {
    const t = this.need(id);
    await this.store?.setPaused(id, false);
    void t.start();
  }

  async remove(id: string, opts: { deleteData: boolean }): Promise<void> {
    const t = this.need(id);
    await t.shutdown(true);
    this.torrents.delete(id);
    await this.store?.remove(id);
    if (opts.deleteData) await removePayload(t.meta, t.summary().savePath, this.opts.downloadRoot);
    this.emit({ type: 'torrent-removed', id });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.torrents.values()].map((t) => t.shutdown(true)));
    await this.listener?.close();
    await this.hasher.close();
    this.listeners.clear();
  }
}

export function createSession(opts: SessionOptions): Promise<Session> {
  return Session.create(opts);
}

function toHex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}
