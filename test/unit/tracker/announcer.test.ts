// Announcer scheduling with a fake clock and a scripted transport (no sockets). Covers:
//   BEP 12 tiers: shuffle once, fallback in a tier, a responding tracker moves to the front,
//     every tier announced to one tracker
//   BEP 3 events: `started` first, `completed` once, `stopped` on stop (best effort, timeout)
//   T21 re-announce at the clamped interval, never in a loop; "search for more peers" at
//     max(min interval, 60 s) while wantPeers()
//   T26 every tracker failing → back-off 30 s, 60 s, … ≤ 30 min with jitter; stopped with a timeout
//   (c) no unhandled rejection (throwing callbacks), no timer left after stop()

import { afterEach, describe, expect, test, vi } from 'vitest';
import { MagnetarError } from '../../../native-host/src/core/errors.ts';
import { Announcer, type AnnouncerClock } from '../../../native-host/src/tracker/announcer.ts';
import type { TrackerTransport } from '../../../native-host/src/tracker/transport.ts';
import type { AnnounceRequest, AnnounceResponse } from '../../../native-host/src/tracker/types.ts';

class FakeClock implements AnnouncerClock {
  t = 1_000_000;
  /** Run after every step (the announcer's invariant check). */
  check: () => void = () => {};
  private timers = new Map<number, { at: number; fn: () => void }>();
  private next = 1;
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    const id = this.next++;
    this.timers.set(id, { at: this.t + ms, fn });
    return id;
  };
  clearTimeout = (h: unknown) => {
    this.timers.delete(h as number);
  };
  get pending() {
    return this.timers.size;
  }
  /** Runs due timers in time order, letting promises settle after each. Bounded by 10,000 steps. */
  async advance(ms: number) {
    const end = this.t + ms;
    for (let i = 0; i < 10_000; i++) {
      await flush();
      const due = [...this.timers.entries()]
        .filter(([, x]) => x.at <= end)
        .sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.t = due[1].at;
      due[1].fn();
      this.check();
    }
    this.t = end;
    await flush();
    this.check();
  }
}

const flush = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

type Script = (
  url: string,
  r: AnnounceRequest,
) => AnnounceResponse | MagnetarError | Promise<AnnounceResponse>;

interface Call {
  url: string;
  event: string;
  at: number;
  numWant: number;
}

function fakeTransport(clock: FakeClock, script: Script) {
  const calls: Call[] = [];
  let closed = 0;
  const transport: TrackerTransport = {
    async announce(url, r, signal) {
      calls.push({ url, event: r.event, at: clock.now(), numWant: r.numWant });
      const out = await script(url, r);
      if (signal.aborted) throw new MagnetarError('ABORTED', 'aborted');
      if (out instanceof MagnetarError) throw out;
      return out;
    },
    close: () => {
      closed++;
    },
  };
  return { transport, calls, closed: () => closed };
}

const ok = (over: Partial<AnnounceResponse> = {}): AnnounceResponse => ({
  interval: 1800,
  minInterval: undefined,
  complete: 1,
  incomplete: 2,
  warning: undefined,
  trackerId: undefined,
  peers: [{ host: '10.0.0.1', port: 6881 }],
  ...over,
});
const down = () => new MagnetarError('TRACKER_NETWORK', 'connection refused');

function make(
  tiers: string[][],
  script: Script,
  extra: { wantPeers?: () => boolean; random?: () => number } = {},
) {
  const clock = new FakeClock();
  const t = fakeTransport(clock, script);
  const peers: string[] = [];
  const errors: string[] = [];
  const a = new Announcer({
    tiers,
    infoHash: new Uint8Array(20),
    peerId: new Uint8Array(20),
    port: 6881,
    stats: () => ({ uploaded: 0, downloaded: 0, left: 100 }),
    onPeers: (p) => peers.push(...p.map((x) => `${x.host}:${x.port}`)),
    onError: (url, e) => errors.push(`${url} ${e.code}`),
    clock,
    transport: t.transport,
    random: extra.random ?? (() => 0.5),
    wantPeers: extra.wantPeers,
  });
  clock.check = () => a.checkInvariants();
  return { a, clock, ...t, peers, errors };
}

const unhandled: unknown[] = [];
const onUnhandled = (e: unknown) => unhandled.push(e);
process.on('unhandledRejection', onUnhandled);
afterEach(() => {
  expect(unhandled).toEqual([]);
});

describe('events (BEP 3)', () => {
  test('started first, then regular announces at the interval, completed once, stopped on stop', async () => {
    const { a, clock, calls, peers } = make([['http://t1/announce']], () => ok());
    a.start();
    await clock.advance(0);
    expect(calls.map((c) => c.event)).toEqual(['started']);
    expect(peers).toEqual(['10.0.0.1:6881']);
    await clock.advance(1800_000);
    expect(calls.map((c) => c.event)).toEqual(['started', 'none']);
    expect(calls[1]!.at - calls[0]!.at).toBe(1800_000);
    a.completed();
    a.completed();
    await clock.advance(1000);
    await clock.advance(1800_000);
    expect(calls.map((c) => c.event)).toEqual(['started', 'none', 'completed', 'none']);
    await a.stop();
    expect(calls.at(-1)).toMatchObject({ event: 'stopped', numWant: 0 });
    expect(clock.pending).toBe(0);
    expect(a.pendingTimers).toBe(0);
  });

  test('stop before start sends nothing; stop twice is one stop', async () => {
    const { a, calls, closed } = make([['http://t1/announce']], () => ok());
    await Promise.all([a.stop(), a.stop()]);
    expect(calls).toEqual([]);
    expect(closed()).toBe(0); // an injected transport belongs to the caller
  });

  test('T26 stopped is best effort: a tracker that never answers is given up on after the timeout', async () => {
    let hang = false;
    const { a, clock, calls } = make([['http://t1/announce']], (_u, r) =>
      hang && r.event === 'stopped' ? new Promise<AnnounceResponse>(() => {}) : ok(),
    );
    a.start();
    await clock.advance(0);
    hang = true;
    let done = false;
    // The fake transport ignores the abort signal, so only the announcer's own timeout ends this.
    const p = a.stop().then(() => {
      done = true;
    });
    await clock.advance(4_000);
    expect(done).toBe(false);
    await clock.advance(1_000);
    await p;
    expect(done).toBe(true);
    expect(calls.map((c) => c.event)).toEqual(['started', 'stopped']);
  });
});

describe('tiers (BEP 12)', () => {
  test('within a tier: a dead tracker falls back to the next, which moves to the front', async () => {
    const { a, clock, calls, errors } = make([['http://dead/announce', 'http://live/announce']], (u) =>
      u.includes('dead') ? down() : ok(),
    );
    a.start();
    await clock.advance(0);
    const urls = calls.map((c) => c.url);
    expect(urls.at(-1)).toBe('http://live/announce');
    expect(a.status()[0]).toMatchObject({ url: 'http://live/announce', state: 'working', peers: 1 });
    await clock.advance(1800_000);
    // The working tracker is asked first now; the dead one is not tried again while it works.
    expect(calls.at(-1)).toMatchObject({ url: 'http://live/announce', event: 'none' });
    expect(calls.filter((c) => c.url.includes('dead')).length).toBeLessThanOrEqual(1);
    expect(errors.every((e) => e.endsWith('TRACKER_NETWORK'))).toBe(true);
    await a.stop();
  });

  test('every tier is announced, to one tracker each', async () => {
    const { a, clock, calls } = make([['http://a1/announce', 'http://a2/announce'], ['udp://b1:1']], () =>
      ok(),
    );
    a.start();
    await clock.advance(0);
    expect(calls).toHaveLength(2);
    expect(new Set(calls.map((c) => c.url.slice(0, 8)))).toEqual(new Set(['http://a', 'udp://b1']));
    await a.stop();
  });

  test('the order inside a tier is shuffled once (random source injected)', async () => {
    const urls = ['http://1/a', 'http://2/a', 'http://3/a', 'http://4/a'];
    const { a } = make([urls], () => ok(), { random: () => 0 });
    expect(a.status().map((s) => s.url)).not.toEqual(urls);
    expect(new Set(a.status().map((s) => s.url))).toEqual(new Set(urls));
    await a.stop();
  });

  test('unsupported schemes are shown, never announced', async () => {
    const { a, clock, calls } = make([['wss://x/announce', 'http://t/announce']], () => ok());
    a.start();
    await clock.advance(0);
    expect(calls.map((c) => c.url)).toEqual(['http://t/announce']);
    expect(a.status().find((s) => s.url.startsWith('wss'))?.state).toBe('unsupported');
    await a.stop();
  });
});

describe('timing', () => {
  test('T26 all trackers failing: back-off 30 s, 60 s, 120 s … capped at 30 min', async () => {
    const { a, clock, calls } = make([['http://dead/announce']], () => down());
    a.start();
    await clock.advance(0);
    for (let i = 0; i < 9; i++) await clock.advance(40 * 60_000);
    const gaps = calls.slice(1).map((c, i) => (c.at - calls[i]!.at) / 1000);
    expect(gaps.slice(0, 6)).toEqual([30, 60, 120, 240, 480, 960]);
    expect(gaps.slice(6).every((g) => g === 1800)).toBe(true);
    // Still `started`: the tracker never acknowledged it.
    expect(calls.every((c) => c.event === 'started')).toBe(true);
    await a.stop();
    expect(calls.filter((c) => c.event === 'stopped')).toHaveLength(1); // it may have heard us
  });

  test('back-off has ±10 % jitter', async () => {
    const { a, clock, calls } = make([['http://dead/announce']], () => down(), { random: () => 1 });
    a.start();
    await clock.advance(0);
    await clock.advance(60_000);
    expect(calls[1]!.at - calls[0]!.at).toBe(33_000);
    await a.stop();
  });

  test('a recovered tracker resets the back-off', async () => {
    let fail = true;
    const { a, clock, calls } = make([['http://t/announce']], () => (fail ? down() : ok({ interval: 600 })));
    a.start();
    await clock.advance(0);
    await clock.advance(30_000 + 60_000);
    fail = false;
    await clock.advance(120_000);
    const n = calls.length;
    await clock.advance(600_000);
    expect(calls.length).toBe(n + 1);
    expect(calls.at(-1)!.at - calls.at(-2)!.at).toBe(600_000);
    await a.stop();
  });

  test('while wantPeers(): re-announce every max(min interval, 60 s); otherwise at the interval', async () => {
    let want = true;
    const { a, clock, calls } = make([['http://t/announce']], () => ok({ interval: 1800, minInterval: 90 }), {
      wantPeers: () => want,
    });
    a.start();
    await clock.advance(0);
    await clock.advance(90_000 * 3);
    expect(calls).toHaveLength(4);
    want = false;
    const at = calls.at(-1)!.at;
    await clock.advance(1800_000);
    expect(calls).toHaveLength(5);
    expect(calls.at(-1)!.at - at).toBe(1800_000);
    await a.stop();
  });

  test('T21 a tracker asking for interval 0 is not hammered (codec clamps to ≥ 300 s; announcer uses it)', async () => {
    const { a, clock, calls } = make([['http://t/announce']], () => ok({ interval: 300 }));
    a.start();
    await clock.advance(0);
    await clock.advance(3600_000);
    expect(calls.length).toBe(1 + 12);
    await a.stop();
  });

  test('announceNow while an announce is in flight runs once more afterwards, not in parallel', async () => {
    let release: (() => void) | undefined;
    const { a, clock, calls } = make([['http://t/announce']], () =>
      release === undefined
        ? new Promise<AnnounceResponse>((r) => {
            release = () => r(ok());
          })
        : ok(),
    );
    a.start();
    await clock.advance(0);
    a.announceNow();
    a.announceNow();
    await clock.advance(0);
    expect(calls).toHaveLength(1);
    release!();
    await clock.advance(0);
    expect(calls.map((c) => c.event)).toEqual(['started', 'none']);
    await a.stop();
  });
});

describe('robustness', () => {
  test('throwing callbacks and stats never break the cycle nor leak a rejection', async () => {
    const clock = new FakeClock();
    const t = fakeTransport(clock, () => ok());
    const a = new Announcer({
      tiers: [['http://t/announce']],
      infoHash: new Uint8Array(20),
      peerId: new Uint8Array(20),
      port: 1,
      stats: () => {
        throw new Error('stats');
      },
      onPeers: () => {
        throw new Error('onPeers');
      },
      onError: () => {
        throw new Error('onError');
      },
      clock,
      transport: t.transport,
    });
    a.start();
    await clock.advance(0);
    await clock.advance(1800_000);
    expect(t.calls).toHaveLength(2);
    await a.stop();
  });

  test('an aborted signal tears down without a stopped announce and leaves no timer', async () => {
    const ac = new AbortController();
    const clock = new FakeClock();
    const t = fakeTransport(clock, () => ok());
    const a = new Announcer({
      tiers: [['http://t/announce']],
      infoHash: new Uint8Array(20),
      peerId: new Uint8Array(20),
      port: 1,
      stats: () => ({ uploaded: 0, downloaded: 0, left: 0 }),
      onPeers: vi.fn(),
      clock,
      transport: t.transport,
      signal: ac.signal,
    });
    a.start();
    await clock.advance(0);
    ac.abort();
    await a.stop();
    expect(t.calls.map((c) => c.event)).toEqual(['started']);
    expect(clock.pending).toBe(0);
    a.start();
    a.announceNow();
    await clock.advance(3600_000);
    expect(t.calls).toHaveLength(1);
  });
});
