// UDP tracker client (BEP 15): connect → announce over one socket per address family.
// RELIABILITY T25: a reply counts only if its transaction id is one we are waiting for, it comes
// from the address and port we sent to, and its action is the one expected (or 3, error);
// everything else is ignored and we keep waiting. Each request gets a fresh random transaction
// id (kept across its retransmissions, so a late answer to the first send still counts);
// retransmission waits base·2^n (BEP 15: 15·2^n s); a connection id is reused for at most 60 s.

import { isMagnetarError, MagnetarError } from '../core/errors.ts';
import {
  UDP_CONNECTION_ID_TTL_MS,
  UDP_TRACKER_BASE_TIMEOUT_MS,
  UDP_TRACKER_MAX_RETRIES,
} from '../core/limits.ts';
import { createDatagramSocket, type Datagram, type DatagramSocket, resolveHost } from '../net/udp.ts';
import type { AnnounceRequest, AnnounceResponse } from './types.ts';
import {
  decodeUdpResponse,
  encodeAnnounce,
  encodeConnect,
  type UdpResponse,
  urlDataFor,
} from './udp-codec.ts';

export interface UdpTrackerOptions {
  /** First retransmission timeout; BEP 15 says 15 s. Tests pass a few ms. */
  baseTimeoutMs?: number;
  /** Retransmissions after the first send (n = 1..maxRetries). */
  maxRetries?: number;
  connectionTtlMs?: number;
  createSocket?: (family: 4 | 6) => DatagramSocket;
  resolve?: (host: string) => Promise<{ address: string; family: 4 | 6 }>;
  now?: () => number;
}

type Expect = 'connect' | 'announce';

interface Pending {
  address: string;
  port: number;
  expect: Expect;
  settle: (r: UdpResponse | MagnetarError) => void;
}

function randomU32(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0]!;
}

export class UdpTrackerClient {
  private readonly base: number;
  private readonly retries: number;
  private readonly ttl: number;
  private readonly now: () => number;
  private readonly sockets = new Map<4 | 6, DatagramSocket>();
  private readonly pending = new Map<number, Pending>();
  private readonly connections = new Map<string, { id: bigint; expires: number }>();
  private closed = false;

  constructor(private readonly opts: UdpTrackerOptions = {}) {
    this.base = opts.baseTimeoutMs ?? UDP_TRACKER_BASE_TIMEOUT_MS;
    this.retries = opts.maxRetries ?? UDP_TRACKER_MAX_RETRIES;
    this.ttl = opts.connectionTtlMs ?? UDP_CONNECTION_ID_TTL_MS;
    this.now = opts.now ?? Date.now;
  }

  /** Announces to `udp://host:port[/path]`; rejects with TRACKER_* or ABORTED. */
  async announce(url: string, req: AnnounceRequest, signal?: AbortSignal): Promise<AnnounceResponse> {
    if (this.closed) throw new MagnetarError('ABORTED', 'UDP tracker client closed');
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new MagnetarError('TRACKER_UNSUPPORTED', `not a URL: ${url.slice(0, 200)}`);
    }
    const port = Number(u.port);
    if (u.protocol !== 'udp:' || !u.hostname || !Number.isInteger(port) || port < 1 || port > 65535)
      throw new MagnetarError('TRACKER_UNSUPPORTED', `bad UDP tracker URL: ${url.slice(0, 200)}`);
    let target: { address: string; family: 4 | 6 };
    try {
      target = await (this.opts.resolve ?? resolveHost)(u.hostname);
    } catch (e) {
      throw new MagnetarError('TRACKER_NETWORK', `cannot resolve ${u.hostname}: ${(e as Error).message}`);
    }
    const { address, family } = target;
    const urlData = urlDataFor(u);
    // BEP 15: on a timeout, the announce is retransmitted with backoff; a connection id that has
    // expired meanwhile is renewed first.
    const tid = this.freshTid();
    for (let n = 0; n <= this.retries; n++) {
      const connectionId = await this.connectionId(family, address, port, signal);
      const packet = encodeAnnounce(connectionId, tid, req, urlData);
      const r = await this.attempt(
        family,
        address,
        port,
        packet,
        tid,
        'announce',
        this.base * 2 ** n,
        signal,
      );
      if (r?.kind === 'announce') return r.response;
    }
    throw new MagnetarError('TRACKER_TIMEOUT', `UDP tracker ${u.host} did not answer the announce`);
  }

  /** Rejects outstanding requests with ABORTED and closes the sockets. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const p of [...this.pending.values()])
      p.settle(new MagnetarError('ABORTED', 'UDP tracker client closed'));
    this.pending.clear();
    for (const s of this.sockets.values()) s.close();
    this.sockets.clear();
  }

  private freshTid(): number {
    for (let i = 0; i < 16; i++) {
      const t = randomU32();
      if (!this.pending.has(t)) return t;
    }
    throw new MagnetarError('TRACKER_NETWORK', 'no free transaction id');
  }

  private async connectionId(
    family: 4 | 6,
    address: string,
    port: number,
    signal?: AbortSignal,
  ): Promise<bigint> {
    const key = `${address}|${port}`;
    const cached = this.connections.get(key);
    if (cached && cached.expires > this.now()) return cached.id;
    this.connections.delete(key);
    const tid = this.freshTid();
    const packet = encodeConnect(tid);
    for (let n = 0; n <= this.retries; n++) {
      const r = await this.attempt(family, address, port, packet, tid, 'connect', this.base * 2 ** n, signal);
      if (r?.kind === 'connect') {
        this.connections.set(key, { id: r.connectionId, expires: this.now() + this.ttl });
        return r.connectionId;
      }
    }
    throw new MagnetarError('TRACKER_TIMEOUT', `UDP tracker ${address}:${port} did not answer connect`);
  }

  /** One send and one wait: the expected reply, or null on timeout. Error replies reject. */
  private attempt(
    family: 4 | 6,
    address: string,
    port: number,
    packet: Uint8Array,
    tid: number,
    expect: Expect,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<UdpResponse | null> {
    return new Promise<UdpResponse | null>((resolve, reject) => {
      if (this.closed) return reject(new MagnetarError('ABORTED', 'UDP tracker client closed'));
      if (signal?.aborted) return reject(new MagnetarError('ABORTED', 'announce aborted'));
      const finish = (r: UdpResponse | MagnetarError | null) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (this.pending.get(tid) === entry) this.pending.delete(tid);
        if (r instanceof MagnetarError) reject(r);
        else resolve(r);
      };
      const onAbort = () => finish(new MagnetarError('ABORTED', 'announce aborted'));
      const timer = setTimeout(() => finish(null), timeoutMs);
      const entry: Pending = { address, port, expect, settle: finish };
      this.pending.set(tid, entry);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.socket(family)
        .send(packet, port, address)
        .catch((e: unknown) => {
          // A send error (no route, socket closed) is fatal for this attempt, not for the process.
          finish(
            isMagnetarError(e)
              ? e
              : new MagnetarError(
                  'TRACKER_NETWORK',
                  `UDP send to ${address}:${port}: ${(e as Error).message}`,
                ),
          );
        });
    });
  }

  private socket(family: 4 | 6): DatagramSocket {
    let s = this.sockets.get(family);
    if (!s) {
      s = (this.opts.createSocket ?? createDatagramSocket)(family);
      s.onMessage((d) => this.onDatagram(d, family));
      this.sockets.set(family, s);
    }
    return s;
  }

  private onDatagram(d: Datagram, family: 4 | 6): void {
    const r = decodeUdpResponse(d.data, family === 6);
    if (r.kind === 'ignored') return;
    const p = this.pending.get(r.transactionId);
    if (!p) return; // unknown or stale transaction id
    if (d.address !== p.address || d.port !== p.port) return; // spoofed source (T25)
    if (r.kind === 'error') {
      p.settle(new MagnetarError('TRACKER_FAILURE', r.message, { reason: r.message }));
      return;
    }
    if (r.kind !== p.expect) return;
    p.settle(r);
  }
}
