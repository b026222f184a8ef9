// One torrent's lifecycle. States and transitions:
//   checking ─► downloading ─► seeding        (check done; last piece verified)
//   checking/downloading/seeding ─► paused    (pause) ─► checking (resume; fast with resume data)
//   any running state ─► error               (storage failure; resume() retries from checking)
//   downloading ─► stopped-complete          (download-only runs: complete and not seeding)
// Invariant (checked by tests through summary()): piecesDone counts only verified, written pieces.

import { Bitfield } from '../core/bitfield.ts';
import { describeError, MagnetarError } from '../core/errors.ts';
import { bytesEqual } from '../core/hex.ts';
import { PARTIAL_PIECES_BUDGET_BYTES } from '../core/limits.ts';
import type { Logger } from '../core/log.ts';
import type { ValidatedTorrent } from '../metainfo/types.ts';
import { pieceSize } from '../metainfo/types.ts';
import type { Hasher } from '../storage/hasher.ts';
import { TorrentStorage } from '../storage/torrent-storage.ts';
import { BufferPool } from '../swarm/buffer-pool.ts';
import { MetadataServer, OUR_UT_METADATA_ID } from '../swarm/metadata-server.ts';
import { PeerConnection } from '../swarm/peer-connection.ts';
import { type HandshakeResult, PeerSources } from '../swarm/peer-sources.ts';
import { PiecePicker } from '../swarm/piece-picker.ts';
import { Swarm } from '../swarm/swarm.ts';
import { Announcer } from '../tracker/announcer.ts';
import { encodeExtendedHandshake } from '../wire/index.ts';
import type { TorrentState, TorrentSummary } from './api.ts';

export interface TorrentOptions {
  readonly meta: ValidatedTorrent;
  readonly saveDir: string;
  readonly resumePath: string | null;
  readonly peerId: Uint8Array;
  readonly listenPort: () => number;
  readonly maxPeers: number;
  /** Keep seeding after completion (false for `magnetar download`). */
  readonly seed: boolean;
  readonly uploadSlots: number;
  readonly addedAt: number;
  /** Extra peers to dial directly (tests, `--peer`). */
  readonly peers?: readonly { host: string; port: number }[];
  /** The session's hash worker pool, shared by every torrent. */
  readonly hasher: Hasher;
  readonly log: Logger;
  /** Check the swarm's invariants after every peer message (tests). */
  readonly checkInvariants?: boolean;
}

export interface TorrentEvents {
  stateChanged(t: Torrent): void;
  done(t: Torrent): void;
  error(t: Torrent, err: MagnetarError): void;
}

const RESUME_SAVE_MS = 30_000;

export class Torrent {
  readonly meta: ValidatedTorrent;
  private readonly opts: TorrentOptions;
  private readonly events: TorrentEvents;
  state: TorrentState = 'paused';
  error: MagnetarError | null = null;
  completedAt: number | null = null;
  private storage: TorrentStorage | null = null;
  private swarm: Swarm | null = null;
  private sources: PeerSources | null = null;
  private announcer: Announcer | null = null;
  private abort: AbortController | null = null;
  private have: Bitfield;
  private checked = 0;
  private downloadedBase = 0;
  private uploadedBase = 0;
  private resumeTimer: NodeJS.Timeout | null = null;
  private readonly banned = new Set<string>();
  private starting: Promise<void> | null = null;
  /** Incoming peers that arrived while we were checking. */
  private waiting: HandshakeResult[] = [];

  constructor(opts: TorrentOptions, events: TorrentEvents) {
    this.opts = opts;
    this.meta = opts.meta;
    this.events = events;
    this.have = new Bitfield(opts.meta.pieceCount);
  }

  get id(): string {
    return this.meta.infoHashHex;
  }

  /** The first swarm invariant violation seen, when checking is on (tests assert none). */
  get invariantViolation(): string | null {
    return this.swarm?.invariantViolation ?? this.pastViolation;
  }

  private pastViolation: string | null = null;

  /** Hosts banned for sending data that failed the hash. */
  get bannedHosts(): string[] {
    return [...this.banned];
  }

  private setState(s: TorrentState): void {
    if (this.state === s) return;
    this.opts.log.info('torrent state', { id: this.id, from: this.state, to: s });
    this.state = s;
    this.events.stateChanged(this);
  }

  start(): Promise<void> {
    if (this.abort) return this.starting ?? Promise.resolve();
    this.error = null;
    const abort = new AbortController();
    this.abort = abort;
    this.starting = this.run(abort.signal).catch((e: unknown) => this.fail(e));
    return this.starting;
  }

  private async run(signal: AbortSignal): Promise<void> {
    const meta = this.meta;
    this.setState('checking');
    this.checked = 0;
    const storage = await TorrentStorage.open({
      torrent: meta,
      saveDir: this.opts.saveDir,
      resumePath: this.opts.resumePath ?? undefined,
    });
    this.storage = storage;
    this.have = await storage.check({
      signal,
      onProgress: (done: number) => {
        this.checked = done;
      },
    });
    if (signal.aborted) return;
    // At least two pieces in progress, so huge pieces (16 MiB and up) still overlap hash and transfer.
    const maxPartial = Math.max(2, Math.floor(PARTIAL_PIECES_BUDGET_BYTES / meta.pieceLength));
    const pool = new BufferPool(meta.pieceLength, maxPartial);
    const picker = new PiecePicker(this.have, {
      pieceCount: meta.pieceCount,
      pieceLength: meta.pieceLength,
      lastPieceLength: meta.lastPieceLength,
      maxPartial,
      pool,
    });
    const metadata = new MetadataServer(meta.infoBytes);
    const swarm = new Swarm(
      picker,
      storage,
      {
        pieceCount: meta.pieceCount,
        pieceSize: (i) => pieceSize(meta, i),
        uploadSlots: this.opts.uploadSlots,
        upload: true,
        pool,
        checkInvariants: this.opts.checkInvariants ?? false,
      },
      {
        pieceVerified: () => undefined,
        complete: () => this.onComplete(),
        storageError: (e) => this.fail(e),
        extended: (peer, id, payload) => metadata.onExtended(peer, id, payload),
        peerBanned: (key, host) => {
          this.banned.add(host);
          this.opts.log.warn('peer banned: its data failed the hash', { id: this.id, peer: key });
        },
      },
    );
    this.swarm = swarm;
    this.sources = new PeerSources({
      infoHash: meta.infoHash,
      peerId: this.opts.peerId,
      listenPort: this.opts.listenPort,
      maxPeers: () => (this.have.complete && !this.opts.seed ? 0 : this.opts.maxPeers),
      connected: () => swarm.peers.size,
      isConnected: (key, peerId) => this.isConnected(key, peerId),
      isBanned: (host) => this.banned.has(host),
      onHandshake: (h) => this.attach(h, false),
      signal,
    });
    if (this.opts.peers) this.sources.add(this.opts.peers);
    for (const h of this.waiting.splice(0)) this.attach(h, true);
    this.resumeTimer = setInterval(() => void this.saveResume(), RESUME_SAVE_MS);
    this.resumeTimer.unref();
    if (this.have.complete) {
      this.setState('seeding');
      if (!this.opts.seed) {
        this.completedAt ??= Date.now();
        this.events.done(this);
        return;
      }
    } else {
      this.setState('downloading');
    }
    this.startAnnouncer(signal);
  }

  private startAnnouncer(signal: AbortSignal): void {
    if (this.meta.announce.length === 0) return;
    this.announcer = new Announcer({
      tiers: this.meta.announce,
      infoHash: this.meta.infoHash,
      peerId: this.opts.peerId,
      port: this.opts.listenPort(),
      stats: () => ({ uploaded: this.uploaded, downloaded: this.downloaded, left: this.left }),
      wantPeers: () => !this.have.complete && (this.swarm?.peers.size ?? 0) < this.opts.maxPeers,
      onPeers: (peers) => this.sources?.add(peers),
      onError: (url, err) =>
        this.opts.log.info('tracker error', { id: this.id, url, code: err.code, message: err.message }),
      signal,
    });
    this.announcer.start();
  }

  private isConnected(key: string, peerId?: Uint8Array): boolean {
    const swarm = this.swarm;
    if (!swarm) return false;
    if (swarm.peers.has(key)) return true;
    if (!peerId) return false;
    for (const p of swarm.peers.values()) {
      if (p.peerId.length === peerId.length && p.peerId.every((b, i) => b === peerId[i])) return true;
    }
    return false;
  }

  /** An incoming connection for this torrent: its handshake is read, ours not yet sent. */
  acceptIncoming(h: HandshakeResult, ourHandshake: Uint8Array): boolean {
    const swarm = this.swarm;
    const host = h.key.slice(0, h.key.lastIndexOf(':'));
    if (!this.abort || this.banned.has(host) || this.isConnected(h.key, h.peerId)) return false;
    // Our own id arriving means we dialled ourselves through some other address. Answer, then
    // hang up: our dialling side reads our id back and forgets that address for good.
    if (bytesEqual(h.peerId, this.opts.peerId)) {
      h.conn.socket.end(ourHandshake);
      return true;
    }
    if (this.have.complete && !this.opts.seed) return false;
    if (!swarm) {
      // Still checking: answer now (peers time out the handshake) and attach once the swarm runs.
      if (this.waiting.length >= this.opts.maxPeers) return false;
      h.conn.socket.write(ourHandshake);
      this.waiting.push(h);
      return true;
    }
    if (swarm.peers.size >= this.opts.maxPeers) return false;
    h.conn.socket.write(ourHandshake);
    this.attach(h, true);
    return true;
  }

  private attach(h: HandshakeResult, _incoming: boolean): void {
    const swarm = this.swarm;
    if (!swarm || this.abort?.signal.aborted) {
      h.conn.socket.destroy();
      return;
    }
    // We always set both bits, so the peer's bits decide (BEP 6, BEP 10).
    const extensions = (h.reserved[5]! & 0x10) !== 0;
    const fast = (h.reserved[7]! & 0x04) !== 0;
    const conn = new PeerConnection(h.conn, h.key, h.rest, this.meta.pieceCount, {
      fast,
      extended: extensions,
    });
    swarm.attach(h.key, conn, h.peerId, { fast, extensions }, (peer) => {
      if (extensions) {
        // BEP 10: advertise what we speak; ut_metadata lets magnet users fetch the info dict from us.
        peer.conn.send({
          type: 'extended',
          id: 0,
          payload: encodeExtendedHandshake({
            m: { ut_metadata: OUR_UT_METADATA_ID },
            p: this.opts.listenPort(),
            v: 'Magnetar 0.1.0',
            reqq: 2000,
            metadata_size: this.meta.infoBytes.length,
          }),
        });
      }
    });
    conn.socket.once('close', () => this.sources?.disconnected(h.key));
  }

  private onComplete(): void {
    this.completedAt = Date.now();
    void this.saveResume();
    this.announcer?.completed();
    this.setState('seeding');
    this.events.done(this);
  }

  private fail(e: unknown): void {
    const err = e instanceof MagnetarError ? e : new MagnetarError('STORAGE_IO', describeError(e));
    if (err.code === 'ABORTED') return;
    this.opts.log.error('torrent failed', { id: this.id, code: err.code, message: err.message });
    this.error = err;
    void this.shutdown(false).then(() => {
      this.setState('error');
      this.events.error(this, err);
    });
  }

  private async saveResume(): Promise<void> {
    try {
      await this.storage?.saveResume(this.have);
    } catch (e) {
      // Resume data is an optimisation: a failed save means a longer check next time, nothing lost.
      this.opts.log.warn('resume data not saved', { id: this.id, error: String(e) });
    }
  }

  get downloaded(): number {
    return this.downloadedBase + (this.swarm?.totalDown ?? 0);
  }

  get uploaded(): number {
    return this.uploadedBase + (this.swarm?.totalUp ?? 0);
  }

  get left(): number {
    return Math.max(0, this.meta.totalLength - this.doneBytes());
  }

  private doneBytes(): number {
    const n = this.have.count;
    if (n === 0) return 0;
    let bytes = n * this.meta.pieceLength;
    if (this.have.has(this.meta.pieceCount - 1)) bytes += this.meta.lastPieceLength - this.meta.pieceLength;
    return bytes;
  }

  async pause(): Promise<void> {
    await this.shutdown(true);
    this.setState('paused');
  }

  /** Stops everything this torrent runs; `graceful` tells trackers we left. */
  async shutdown(graceful: boolean): Promise<void> {
    const abort = this.abort;
    if (!abort) return;
    this.abort = null;
    if (this.resumeTimer) clearInterval(this.resumeTimer);
    this.resumeTimer = null;
    const announcer = this.announcer;
    this.announcer = null;
    // `stopped` is best effort with its own short timeout, sent before the abort (which would
    // cancel it); a failed torrent skips it.
    const stopAnnounce = graceful ? announcer?.stop().catch(() => undefined) : undefined;
    if (this.swarm) {
      this.downloadedBase = this.downloaded;
      this.uploadedBase = this.uploaded;
      this.pastViolation ??= this.swarm.invariantViolation;
      this.swarm.close();
      this.swarm = null;
    }
    await stopAnnounce;
    abort.abort();
    await this.starting?.catch(() => undefined);
    this.sources = null;
    for (const h of this.waiting.splice(0)) h.conn.socket.destroy();
    if (this.storage) {
      await this.saveResume();
      await this.storage.close().catch(() => undefined);
      this.storage = null;
    }
  }

  summary(): TorrentSummary {
    const meta = this.meta;
    const done = this.state === 'checking' ? Math.min(this.doneBytes(), meta.totalLength) : this.doneBytes();
    const down = this.swarm?.downRate ?? 0;
    let seeds = 0;
    for (const p of this.swarm?.peers.values() ?? []) if (p.isSeed) seeds++;
    const left = meta.totalLength - done;
    return {
      id: this.id,
      name: meta.name,
      size: meta.totalLength,
      done,
      progress: meta.totalLength === 0 ? (this.have.complete ? 1 : 0) : done / meta.totalLength,
      state: this.state,
      error: this.error ? { code: this.error.code, message: this.error.message } : null,
      downRate: down,
      upRate: this.swarm?.upRate ?? 0,
      downloaded: this.downloaded,
      uploaded: this.uploaded,
      peers: this.swarm?.peers.size ?? 0,
      seeds,
      eta: left > 0 && down > 0 ? Math.round(left / down) : null,
      pieces: meta.pieceCount,
      piecesDone: this.state === 'checking' ? this.checked : this.have.count,
      fileCount: meta.files.filter((f) => !f.pad).length,
      savePath: this.opts.saveDir,
      addedAt: this.opts.addedAt,
      completedAt: this.completedAt,
    };
  }

  fileProgress(): number[] {
    return this.storage?.fileProgress(this.have) ?? this.meta.files.map(() => 0);
  }
}
