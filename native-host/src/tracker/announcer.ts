// One announcer per torrent: BEP 12 tiers, BEP 3 events, re-announce timing and back-off.
//
// Policy (qBittorrent's defaults): every tier is announced, each to one working tracker. Inside a
// tier the trackers are shuffled once (BEP 12), tried in order, and one that answers moves to the
// front of its tier. Events (BEP 3): `started` to each tracker the first time it hears from us,
// `completed` once per tier when the torrent finishes, `stopped` on stop() to every tracker that
// knows us (best effort, short timeout: RELIABILITY T26).
//
// Tier states:  idle ─run→ busy ─ok→ scheduled(interval) ─timer→ busy …
//                                └─all failed→ backoff(30 s·2^k ≤ 30 min, ±10 %) ─timer→ busy …
//               any ─stop()/abort→ stopped (timers cleared, in-flight aborted; terminal)
// Invariant (checked by tests via status()): a stopped announcer holds no timer.
// Re-announce: at `interval` (clamped to [5 min, 1 day], T21); while `wantPeers()` says we need
// more peers, every max(min interval, 60 s) ("search for more clients").

import { isMagnetarError, MagnetarError } from '../core/errors.ts';
import {
  ANNOUNCE_BACKOFF_BASE_MS,
  ANNOUNCE_BACKOFF_MAX_MS,
  DEFAULT_NUM_WANT,
  MIN_REANNOUNCE_S,
  STOPPED_ANNOUNCE_TIMEOUT_MS,
} from './policy.ts';
import { createTrackerTransport, isSupportedTracker, type TrackerTransport } from './transport.ts';
import type { AnnounceEvent, AnnounceRequest, AnnounceResponse, PeerAddress } from './types.ts';

export interface AnnouncerClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realClock: AnnouncerClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export interface AnnounceStats {
  uploaded: number;
  downloaded: number;
  left: number;
}

export interface AnnouncerOptions {
  /** BEP 12 `announce-list` (or `[[announce]]`). Duplicates are dropped. */
  tiers: readonly (readonly string[])[];
  infoHash: Uint8Array;
  peerId: Uint8Array;
  port: number;
  stats: () => AnnounceStats;
  onPeers: (peers: PeerAddress[]) => void;
  onError?: (url: string, err: MagnetarError) => void;
  /** True while we want more peers (downloading with few connections): re-announce more often. */
  wantPeers?: () => boolean;
  /** Aborting it tears everything down without a `stopped` announce. */
  signal?: AbortSignal;
  clock?: AnnouncerClock;
  random?: () => number;
  /** Defaults to real HTTP/UDP clients; closed by stop() only when the announcer created it. */
  transport?: TrackerTransport;
  numWant?: number;
  stoppedTimeoutMs?: number;
}

export type TrackerState = 'idle' | 'updating' | 'working' | 'error' | 'unsupported';

export interface TrackerStatus {
  url: string;
  tier: number;
  state: TrackerState;
  lastError: { code: string; message: string } | undefined;
  lastAnnounceAt: number | undefined;
  /** Peers in the last answer. */
  peers: number;
  seeders: number | undefined;
  leechers: number | undefined;
  warning: string | undefined;
  /** When this tracker is due next (only the tracker at the front of its tier has one). */
  nextAnnounceAt: number | undefined;
}

interface Tracker {
  url: string;
  tier: number;
  state: TrackerState;
  /** The tracker acknowledged `started`; it gets regular announces and a `stopped`. */
  started: boolean;
  /** An announce went out and its outcome is unknown (stopped anyway on stop()). */
  contacted: boolean;
  lastError: MagnetarError | undefined;
  lastAnnounceAt: number | undefined;
  last: AnnounceResponse | undefined;
}

interface Tier {
  index: number;
  trackers: Tracker[];
  busy: boolean;
  rerun: boolean;
  completedPending: boolean;
  failures: number;
  timer: unknown;
  nextAt: number | undefined;
  lastSuccessAt: number | undefined;
}

export class Announcer {
  private readonly tiers: Tier[];
  private readonly clock: AnnouncerClock;
  private readonly transport: TrackerTransport;
  private readonly ownsTransport: boolean;
  private readonly abort = new AbortController();
  private readonly key: number;
  private readonly random: () => number;
  private running = false;
  /** Torn down: no timer may be set again. */
  private dead = false;
  private completedCalled = false;
  private stopping: Promise<void> | undefined;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly o: AnnouncerOptions) {
    this.clock = o.clock ?? realClock;
    this.random = o.random ?? Math.random;
    this.ownsTransport = o.transport === undefined;
    this.transport = o.transport ?? createTrackerTransport();
    this.key = Math.floor(this.random() * 2 ** 32) >>> 0;
    const seen = new Set<string>();
    this.tiers = [];
    for (const urls of o.tiers) {
      const trackers: Tracker[] = [];
      for (const url of urls) {
        if (seen.has(url)) continue;
        seen.add(url);
        trackers.push({
          url,
          tier: this.tiers.length,
          state: isSupportedTracker(url) ? 'idle' : 'unsupported',
          started: false,
          contacted: false,
          lastError: undefined,
          lastAnnounceAt: undefined,
          last: undefined,
        });
      }
      if (trackers.length === 0) continue;
      // BEP 12: "shuffle the list of trackers within each tier" once, when the torrent is loaded.
      for (let i = trackers.length - 1; i > 0; i--) {
        const j = Math.floor(this.random() * (i + 1));
        [trackers[i], trackers[j]] = [trackers[j]!, trackers[i]!];
      }
      this.tiers.push({
        index: this.tiers.length,
        trackers,
        busy: false,
        rerun: false,
        completedPending: false,
        failures: 0,
        timer: undefined,
        nextAt: undefined,
        lastSuccessAt: undefined,
      });
    }
    const onAbort = () => {
      this.teardown();
      this.stopping ??= Promise.resolve();
      if (this.ownsTransport) this.transport.close();
    };
    if (o.signal?.aborted) onAbort();
    else o.signal?.addEventListener('abort', onAbort, { once: true });
  }

  /** Sends `started` to each tier and begins the re-announce cycle. Idempotent. */
  start(): void {
    if (this.running || this.dead) return;
    this.running = true;
    for (const t of this.tiers) this.run(t);
  }

  /** The torrent finished downloading: `completed` once per tier, right away. */
  completed(): void {
    if (this.completedCalled || this.dead) return;
    this.completedCalled = true;
    for (const t of this.tiers) {
      t.completedPending = true;
      if (this.running) this.run(t);
    }
  }

  /** User-forced re-announce to every tier, ignoring intervals. */
  announceNow(): void {
    if (!this.running) return;
    for (const t of this.tiers) this.run(t);
  }

  /** Stops everything and sends `stopped` (best effort). Never rejects; safe to call twice. */
  stop(): Promise<void> {
    this.stopping ??= this.stopInner();
    return this.stopping;
  }

  status(): TrackerStatus[] {
    const out: TrackerStatus[] = [];
    for (const tier of this.tiers)
      tier.trackers.forEach((t, i) => {
        out.push({
          url: t.url,
          tier: t.tier,
          state: t.state,
          lastError: t.lastError ? { code: t.lastError.code, message: t.lastError.message } : undefined,
          lastAnnounceAt: t.lastAnnounceAt,
          peers: t.last?.peers.length ?? 0,
          seeders: t.last?.complete,
          leechers: t.last?.incomplete,
          warning: t.last?.warning,
          nextAnnounceAt: i === 0 ? tier.nextAt : undefined,
        });
      });
    return out;
  }

  /** Throws if the state breaks an invariant of the header comment; tests run it after each step. */
  checkInvariants(): void {
    const fail = (m: string) => {
      throw new Error(`announcer invariant: ${m}`);
    };
    const urls = new Set<string>();
    for (const tier of this.tiers) {
      if ((tier.timer === undefined) !== (tier.nextAt === undefined)) fail('timer and nextAt disagree');
      if (this.dead && tier.timer !== undefined) fail('timer after teardown');
      if (tier.busy && tier.timer !== undefined) fail('timer while an announce runs');
      if (tier.trackers.filter((t) => t.state === 'updating').length > (tier.busy ? 1 : 0))
        fail('more trackers updating than announces running');
      for (const t of tier.trackers) {
        if (urls.has(t.url)) fail(`duplicate tracker ${t.url}`);
        urls.add(t.url);
      }
    }
  }

  /** Number of pending timers (0 once stopped): for leak checks in tests. */
  get pendingTimers(): number {
    return this.tiers.filter((t) => t.timer !== undefined).length;
  }

  private async stopInner(): Promise<void> {
    const wasRunning = this.running;
    this.teardown();
    await Promise.allSettled([...this.inFlight]);
    if (wasRunning) {
      const known = this.tiers.flatMap((t) => t.trackers.filter((x) => x.started || x.contacted));
      await Promise.allSettled(known.map((t) => this.sendStopped(t)));
    }
    if (this.ownsTransport) this.transport.close();
  }

  /** Clears every timer and aborts in-flight announces. */
  private teardown(): void {
    this.running = false;
    this.dead = true;
    for (const t of this.tiers) this.clearTimer(t);
    this.abort.abort();
  }

  private async sendStopped(t: Tracker): Promise<void> {
    const ac = new AbortController();
    let timer: unknown;
    // Race the announce against our own timer too, so even a transport that ignores its signal
    // cannot hold up stop().
    const timeout = new Promise<void>((resolve) => {
      timer = this.clock.setTimeout(() => {
        ac.abort();
        resolve();
      }, this.o.stoppedTimeoutMs ?? STOPPED_ANNOUNCE_TIMEOUT_MS);
    });
    const announce = this.transport.announce(t.url, this.request(t, 'stopped'), ac.signal).then(
      () => {
        t.state = 'idle';
      },
      () => {
        // Best effort: the tracker forgets us after its interval anyway.
      },
    );
    try {
      await Promise.race([announce, timeout]);
    } finally {
      this.clock.clearTimeout(timer);
      t.started = false;
    }
  }

  private request(t: Tracker, event: AnnounceEvent): AnnounceRequest {
    let s: AnnounceStats = { uploaded: 0, downloaded: 0, left: 0 };
    try {
      s = this.o.stats();
    } catch {
      // A throwing stats callback must not stop announces; zeros are harmless.
    }
    return {
      infoHash: this.o.infoHash,
      peerId: this.o.peerId,
      port: this.o.port,
      uploaded: s.uploaded,
      downloaded: s.downloaded,
      left: s.left,
      event,
      numWant: event === 'stopped' ? 0 : (this.o.numWant ?? DEFAULT_NUM_WANT),
      key: this.key,
      trackerId: t.last?.trackerId,
    };
  }

  private clearTimer(tier: Tier): void {
    if (tier.timer !== undefined) this.clock.clearTimeout(tier.timer);
    tier.timer = undefined;
    tier.nextAt = undefined;
  }

  private schedule(tier: Tier, delayMs: number, fn: () => void): void {
    this.clearTimer(tier);
    if (!this.running) return;
    tier.nextAt = this.clock.now() + delayMs;
    tier.timer = this.clock.setTimeout(() => {
      tier.timer = undefined;
      tier.nextAt = undefined;
      fn();
    }, delayMs);
  }

  /** Starts a tier announce unless one is running (then it runs again right after). */
  private run(tier: Tier): void {
    if (!this.running) return;
    if (tier.busy) {
      tier.rerun = true;
      return;
    }
    this.clearTimer(tier);
    const p = this.announceTier(tier).catch(() => {
      // announceTier handles its errors; this only guarantees no unhandled rejection.
    });
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  private async announceTier(tier: Tier): Promise<void> {
    tier.busy = true;
    let ok = false;
    try {
      for (const t of [...tier.trackers]) {
        if (!this.running) return;
        if (t.state === 'unsupported') continue;
        const event: AnnounceEvent = !t.started ? 'started' : tier.completedPending ? 'completed' : 'none';
        // `started` while already complete tells the tracker with left=0; no `completed` follows.
        const clearsCompleted = event === 'completed' || (event === 'started' && tier.completedPending);
        t.state = 'updating';
        t.contacted = true;
        try {
          const r = await this.transport.announce(t.url, this.request(t, event), this.abort.signal);
          if (clearsCompleted) tier.completedPending = false;
          this.onSuccess(tier, t, r);
          ok = true;
          break;
        } catch (e) {
          if (!this.running) {
            t.state = t.last ? 'working' : 'idle'; // aborted by stop(): not the tracker's fault
            return;
          }
          const err = isMagnetarError(e) ? e : new MagnetarError('TRACKER_NETWORK', String(e));
          t.state = 'error';
          t.lastError = err;
          t.lastAnnounceAt = this.clock.now();
          this.safe(() => this.o.onError?.(t.url, err));
        }
      }
    } finally {
      tier.busy = false;
    }
    if (!this.running) return;
    if (tier.rerun) {
      tier.rerun = false;
      this.run(tier);
    } else if (ok) this.scheduleRegular(tier);
    else if (tier.trackers.some((t) => t.state !== 'unsupported')) {
      tier.failures++;
      const base = Math.min(
        ANNOUNCE_BACKOFF_MAX_MS,
        ANNOUNCE_BACKOFF_BASE_MS * 2 ** Math.min(tier.failures - 1, 16),
      );
      const jitter = 1 + (this.random() - 0.5) * 0.2;
      this.schedule(tier, Math.round(base * jitter), () => this.run(tier));
    }
  }

  private onSuccess(tier: Tier, t: Tracker, r: AnnounceResponse): void {
    t.started = true;
    t.state = 'working';
    t.lastError = undefined;
    t.last = r;
    t.lastAnnounceAt = this.clock.now();
    t.contacted = false;
    tier.failures = 0;
    tier.lastSuccessAt = t.lastAnnounceAt;
    // BEP 12: a tracker that answers moves to the front of its tier.
    const i = tier.trackers.indexOf(t);
    if (i > 0) tier.trackers.unshift(...tier.trackers.splice(i, 1));
    if (r.peers.length > 0) this.safe(() => this.o.onPeers(r.peers));
  }

  /** Next regular or "search for more peers" announce for a tier whose front tracker works. */
  private scheduleRegular(tier: Tier): void {
    const front = tier.trackers[0]!;
    const interval = (front.last?.interval ?? 1800) * 1000;
    const search = Math.max(front.last?.minInterval ?? 0, MIN_REANNOUNCE_S) * 1000;
    const elapsed = this.clock.now() - (tier.lastSuccessAt ?? this.clock.now());
    const untilInterval = interval - elapsed;
    if (untilInterval <= 0) {
      this.run(tier);
      return;
    }
    const untilSearch = search - elapsed;
    this.schedule(tier, Math.min(untilInterval, untilSearch > 0 ? untilSearch : search), () => {
      if (this.wantPeers() || this.clock.now() - (tier.lastSuccessAt ?? 0) >= interval) this.run(tier);
      else this.scheduleRegular(tier);
    });
  }

  private wantPeers(): boolean {
    try {
      return this.o.wantPeers?.() ?? false;
    } catch {
      return false;
    }
  }

  private safe(fn: () => void): void {
    try {
      fn();
    } catch {
      // Callbacks belong to the engine; a throw there must not break the announce cycle.
    }
  }
}
