// Our HTTP and UDP tracker clients and the Announcer against a real opentracker on 127.0.0.1
// (recipes/reference-peers.md), plus announcer behaviour over real sockets:
//   - two peer ids announce; each sees the other (HTTP and UDP, BEP 3/15/23)
//   - a torrent off the whitelist → TRACKER_FAILURE with opentracker's text over HTTP (T21);
//     over UDP opentracker stays silent → TRACKER_TIMEOUT (T25/T26)
//   - Announcer: BEP 12 tier fallback (first tracker dead, second works), `stopped` really
//     removes us from the swarm (scrape), `completed` sent once, nothing left running (T26)

import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { isMagnetarError } from '../../../native-host/src/core/errors.ts';
import { fromHex } from '../../../native-host/src/core/hex.ts';
import { Announcer } from '../../../native-host/src/tracker/announcer.ts';
import { httpAnnounce } from '../../../native-host/src/tracker/http-client.ts';
import type { AnnounceRequest, PeerAddress } from '../../../native-host/src/tracker/types.ts';
import { UdpTrackerClient } from '../../../native-host/src/tracker/udp-client.ts';
import { type Opentracker, startOpentracker } from '../../helpers/opentracker.ts';
import { freePort } from '../../helpers/ports.ts';
import { stopAll, waitFor } from '../../helpers/procs.ts';
import { announceBody, type FakeHttp, queryParam, startFakeHttp } from './fake-trackers.ts';

const HASH_HTTP = '1111111111111111111111111111111111111111';
const HASH_UDP = '2222222222222222222222222222222222222222';
const HASH_ANN = '3333333333333333333333333333333333333333';
const HASH_STOP = '4444444444444444444444444444444444444444';

let ot: Opentracker;
beforeAll(async () => {
  ot = await startOpentracker({ infoHashes: [HASH_HTTP, HASH_UDP, HASH_ANN, HASH_STOP] });
});
afterAll(async () => {
  await ot?.stop();
  await stopAll();
});

const peerId = (c: string) => new TextEncoder().encode(`-MG0001-${c.repeat(12)}`);

function req(hash: string, id: string, port: number, over: Partial<AnnounceRequest> = {}): AnnounceRequest {
  return {
    infoHash: fromHex(hash),
    peerId: peerId(id),
    port,
    uploaded: 0,
    downloaded: 0,
    left: 1000,
    event: 'started',
    numWant: 50,
    key: port,
    ...over,
  };
}

const has = (peers: PeerAddress[], port: number) =>
  peers.some((p) => p.host === '127.0.0.1' && p.port === port);

describe('real opentracker', () => {
  test('HTTP: two peers each see the other', async () => {
    await httpAnnounce(ot.httpUrl, req(HASH_HTTP, 'a', 40001));
    const b = await httpAnnounce(ot.httpUrl, req(HASH_HTTP, 'b', 40002));
    expect(has(b.peers, 40001)).toBe(true);
    const a = await httpAnnounce(ot.httpUrl, req(HASH_HTTP, 'a', 40001, { event: 'none' }));
    expect(has(a.peers, 40002)).toBe(true);
    expect(a.interval).toBeGreaterThanOrEqual(300);
  });

  test('UDP: two peers each see the other', async () => {
    const c = new UdpTrackerClient({ baseTimeoutMs: 1000, maxRetries: 2 });
    try {
      await c.announce(ot.udpUrl, req(HASH_UDP, 'c', 40003));
      const d = await c.announce(ot.udpUrl, req(HASH_UDP, 'd', 40004));
      expect(has(d.peers, 40003)).toBe(true);
      const cc = await c.announce(ot.udpUrl, req(HASH_UDP, 'c', 40003, { event: 'none' }));
      expect(has(cc.peers, 40004)).toBe(true);
    } finally {
      c.close();
    }
  });

  test('T21 a torrent off the whitelist → TRACKER_FAILURE with the tracker text (HTTP); silence over UDP', async () => {
    const other = 'ffffffffffffffffffffffffffffffffffffffff';
    const e1 = await httpAnnounce(ot.httpUrl, req(other, 'e', 40005)).catch((e: unknown) => e);
    expect(isMagnetarError(e1, 'TRACKER_FAILURE') && /not authorized/i.test(e1.message)).toBe(true);
    // Over UDP, Debian's opentracker answers a non-whitelisted hash with silence, not action 3:
    // the client must give up with a timeout (fake-tracker tests cover action 3).
    const c = new UdpTrackerClient({ baseTimeoutMs: 200, maxRetries: 1 });
    const e2 = await c.announce(ot.udpUrl, req(other, 'e', 40005)).catch((e: unknown) => e);
    c.close();
    expect(isMagnetarError(e2) && ['TRACKER_FAILURE', 'TRACKER_TIMEOUT'].includes(e2.code)).toBe(true);
  });
});

interface Harness {
  a: Announcer;
  peers: PeerAddress[];
}

function announcer(tiers: string[][], hash: string, id: string, port: number, random = () => 0.99): Harness {
  const peers: PeerAddress[] = [];
  const a = new Announcer({
    tiers,
    infoHash: fromHex(hash),
    peerId: peerId(id),
    port,
    stats: () => ({ uploaded: 0, downloaded: 0, left: 1000 }),
    onPeers: (p) => peers.push(...p),
    random,
  });
  return { a, peers };
}

describe('Announcer over real sockets', () => {
  const running: Announcer[] = [];
  let fake: FakeHttp | undefined;
  afterEach(async () => {
    await Promise.all(running.splice(0).map((a) => a.stop()));
    await fake?.close();
    fake = undefined;
  });

  test('BEP 12: first tracker in the tier dead, the second (opentracker UDP) works; peers found', async () => {
    const dead = `http://127.0.0.1:${await freePort()}/announce`;
    const x = announcer([[dead, ot.udpUrl]], HASH_ANN, 'x', 40011);
    const y = announcer([[dead, ot.httpUrl]], HASH_ANN, 'y', 40012);
    running.push(x.a, y.a);
    x.a.start();
    await waitFor(() => x.a.status()[0]?.state === 'working', 10_000, 'x announced');
    expect(x.a.status().map((s) => s.url)).toEqual([ot.udpUrl, dead]); // moved to the front
    expect(x.a.status()[1]).toMatchObject({ state: 'error', lastError: { code: 'TRACKER_NETWORK' } });
    y.a.start();
    await waitFor(() => has(y.peers, 40011), 10_000, 'y sees x');
    x.a.announceNow();
    await waitFor(() => has(x.peers, 40012), 10_000, 'x sees y');
  });

  test('stop() sends `stopped`: the tracker forgets us; nothing stays scheduled', async () => {
    const handles = () =>
      process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap' && r !== 'FSReqCallback');
    const count = (xs: string[], k: string) => xs.filter((x) => x === k).length;
    const before = handles();
    const z = announcer([[ot.httpUrl], [ot.udpUrl]], HASH_STOP, 'z', 40013);
    z.a.start();
    await waitFor(async () => (await ot.scrape(HASH_STOP)).incomplete === 1, 10_000, 'z registered');
    await z.a.stop();
    expect((await ot.scrape(HASH_STOP)).incomplete).toBe(0);
    expect(z.a.pendingTimers).toBe(0);
    expect(z.a.status().every((s) => s.nextAnnounceAt === undefined)).toBe(true);
    // No socket or timer of ours survives stop() (DESIGN rule 8).
    await new Promise((r) => setImmediate(r));
    const after = handles();
    for (const k of ['UDPWrap', 'TCPSocketWrap', 'TCPWrap', 'Timeout'])
      expect(count(after, k), `${k}: ${after.join(',')}`).toBeLessThanOrEqual(count(before, k));
  });

  test('`completed` is sent once; `stopped` on stop (fake tracker records the events)', async () => {
    fake = await startFakeHttp((_q, res) => res.end(announceBody([['127.0.0.1', 40020]])));
    const h = announcer([[fake.url()]], HASH_ANN, 'w', 40014);
    h.a.start();
    await waitFor(() => fake!.requests.length === 1, 5000, 'started');
    h.a.completed();
    h.a.completed();
    await waitFor(() => fake!.requests.length === 2, 5000, 'completed');
    h.a.announceNow();
    await waitFor(() => fake!.requests.length === 3, 5000, 'forced announce');
    h.a.completed();
    await h.a.stop();
    const events = fake.requests.map((r) => queryParam(r, 'event') ?? 'none');
    expect(events).toEqual(['started', 'completed', 'none', 'stopped']);
    expect(queryParam(fake.requests[3]!, 'numwant')).toBe('0');
    expect(h.peers).toContainEqual({ host: '127.0.0.1', port: 40020 });
  });

  test('T26 stop() with a tracker that never answers returns within the stopped timeout', async () => {
    let n = 0;
    fake = await startFakeHttp((_q, res) => {
      if (++n === 1) res.end(announceBody());
      // later requests (the `stopped`) hang forever
    });
    const peers: PeerAddress[] = [];
    const a = new Announcer({
      tiers: [[fake.url()]],
      infoHash: fromHex(HASH_ANN),
      peerId: peerId('v'),
      port: 40015,
      stats: () => ({ uploaded: 0, downloaded: 0, left: 0 }),
      onPeers: (p) => peers.push(...p),
      stoppedTimeoutMs: 300,
    });
    a.start();
    await waitFor(() => a.status()[0]?.state === 'working', 5000, 'started');
    const t0 = Date.now();
    await a.stop();
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(n).toBe(2);
  });
});
