// Where peers come from and which ones we dial: addresses from trackers (and later DHT/PEX) go in a
// bounded candidate list; a loop dials them up to the connection limit, backing off on failures and
// never dialling a banned address, ourselves, or a peer we are already connected to.

import { MagnetarError } from '../core/errors.ts';
import { bytesEqual } from '../core/hex.ts';
import { MAX_KNOWN_PEERS } from '../core/limits.ts';
import { connectTcp, type TcpConn } from '../net/tcp.ts';
import { encodeHandshake } from '../wire/index.ts';
import { readHandshake } from './handshake-io.ts';

export interface PeerAddress {
  readonly host: string;
  readonly port: number;
}

interface Candidate extends PeerAddress {
  failures: number;
  nextAttempt: number;
}

export interface HandshakeResult {
  readonly conn: TcpConn;
  readonly key: string;
  readonly peerId: Uint8Array;
  readonly reserved: Uint8Array;
  readonly rest: Uint8Array;
}

export interface PeerSourcesOptions {
  infoHash: Uint8Array;
  peerId: Uint8Array;
  /** Our listening port, so our own address from a tracker is skipped. */
  listenPort: () => number;
  maxPeers: () => number;
  /** Connections now open (the swarm's count). */
  connected: () => number;
  isConnected: (key: string, peerId?: Uint8Array) => boolean;
  isBanned: (host: string) => boolean;
  /** A dialled peer completed the handshake. */
  onHandshake: (h: HandshakeResult) => void;
  signal: AbortSignal;
}

/** Dials at most this many peers at once: half-open connections cost sockets and time. */
const MAX_CONNECTING = 16;
/** First retry after a failed dial; doubles per failure (5 s, 10 s, 20 s, 40 s). */
const RETRY_BASE_MS = 5_000;
const MAX_FAILURES = 5;

export function peerKey(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export class PeerSources {
  private readonly candidates = new Map<string, Candidate>();
  private readonly connecting = new Set<string>();
  private readonly opts: PeerSourcesOptions;
  private timer: NodeJS.Timeout;

  constructor(opts: PeerSourcesOptions) {
    this.opts = opts;
    this.timer = setInterval(() => this.dial(), 1000);
    this.timer.unref();
    opts.signal.addEventListener('abort', () => clearInterval(this.timer), { once: true });
  }

  add(peers: readonly PeerAddress[]): void {
    for (const p of peers) {
      if (p.port <= 0 || p.port > 65535) continue;
      const key = peerKey(p.host, p.port);
      if (this.candidates.has(key)) continue;
      if (this.candidates.size >= MAX_KNOWN_PEERS) break;
      this.candidates.set(key, { host: p.host, port: p.port, failures: 0, nextAttempt: 0 });
    }
    this.dial();
  }

  get known(): number {
    return this.candidates.size;
  }

  /** Dials candidates while there is room under the connection limit. */
  dial(): void {
    if (this.opts.signal.aborted) return;
    const now = Date.now();
    for (const [key, c] of this.candidates) {
      if (this.opts.connected() + this.connecting.size >= this.opts.maxPeers()) return;
      if (this.connecting.size >= MAX_CONNECTING) return;
      if (c.nextAttempt > now || this.connecting.has(key) || this.opts.isConnected(key)) continue;
      if (this.opts.isBanned(c.host) || this.isSelf(c)) {
        this.candidates.delete(key);
        continue;
      }
      this.connecting.add(key);
      c.nextAttempt = Number.POSITIVE_INFINITY;
      void this.connect(key, c);
    }
  }

  private isSelf(c: PeerAddress): boolean {
    return (
      c.port === this.opts.listenPort() &&
      (c.host === '127.0.0.1' || c.host === '::1' || c.host === 'localhost')
    );
  }

  private async connect(key: string, c: Candidate): Promise<void> {
    let conn: TcpConn | null = null;
    try {
      conn = await connectTcp(c.host, c.port, this.opts.signal);
      conn.socket.write(
        encodeHandshake({
          infoHash: this.opts.infoHash,
          peerId: this.opts.peerId,
          extended: true,
          fast: true,
        }),
      );
      const { handshake, rest } = await readHandshake(conn, key, this.opts.signal);
      if (!bytesEqual(handshake.infoHash, this.opts.infoHash)) {
        throw new MagnetarError('PEER_INFOHASH_MISMATCH', `${key} answered for another torrent`);
      }
      if (bytesEqual(handshake.peerId, this.opts.peerId))
        throw new MagnetarError('PEER_SELF', 'connected to ourselves');
      if (this.opts.isConnected(key, handshake.peerId))
        throw new MagnetarError('PEER_PROTOCOL', 'already connected');
      c.failures = 0;
      c.nextAttempt = Date.now() + RETRY_BASE_MS;
      this.opts.onHandshake({ conn, key, peerId: handshake.peerId, reserved: handshake.reserved, rest });
    } catch (e) {
      conn?.socket.destroy();
      c.failures++;
      const self =
        e instanceof MagnetarError && (e.code === 'PEER_SELF' || e.code === 'PEER_INFOHASH_MISMATCH');
      if (self || c.failures >= MAX_FAILURES) this.candidates.delete(key);
      else c.nextAttempt = Date.now() + RETRY_BASE_MS * 2 ** (c.failures - 1);
    } finally {
      this.connecting.delete(key);
    }
  }

  /** A connected peer went away: it may be dialled again after a pause. */
  disconnected(key: string): void {
    const c = this.candidates.get(key);
    if (c) c.nextAttempt = Math.max(c.nextAttempt, Date.now() + RETRY_BASE_MS);
  }
}
