// UDP tracker client (BEP 15) against fake trackers on 127.0.0.1. RELIABILITY items:
//   T25 wrong transaction id → ignored, keep waiting; reply from another socket (wrong source
//       port) → ignored; packets under 8/16/20 bytes and unknown actions → ignored; action 3 →
//       TRACKER_FAILURE with the message; new random transaction id per request; connection id
//       reused ≤ TTL; retransmission with back-off base·2^n (base scaled down for tests)
//   T26 a silent tracker → TRACKER_TIMEOUT after the bounded retries; AbortSignal/close → ABORTED
// Also: BEP 41 URLData carries the path and query.

import dgram from 'node:dgram';
import { afterEach, describe, expect, test } from 'vitest';
import { isMagnetarError } from '../../../native-host/src/core/errors.ts';
import type { AnnounceRequest } from '../../../native-host/src/tracker/types.ts';
import { UdpTrackerClient } from '../../../native-host/src/tracker/udp-client.ts';
import {
  announceReply,
  connectReply,
  errorReply,
  type FakeUdp,
  startFakeUdp,
  udpRequest,
} from './fake-trackers.ts';

const req: AnnounceRequest = {
  infoHash: new Uint8Array(20).fill(2),
  peerId: new Uint8Array(20).fill(3),
  port: 6881,
  uploaded: 0,
  downloaded: 0,
  left: 5,
  event: 'started',
  numWant: 50,
  key: 9,
};

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function fake(handler: Parameters<typeof startFakeUdp>[0]): Promise<FakeUdp> {
  const f = await startFakeUdp(handler);
  cleanups.push(() => f.close());
  return f;
}

function client(opts: ConstructorParameters<typeof UdpTrackerClient>[0] = {}): UdpTrackerClient {
  const c = new UdpTrackerClient({ baseTimeoutMs: 100, maxRetries: 2, ...opts });
  cleanups.push(() => c.close());
  return c;
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    if (isMagnetarError(e)) return e.code;
    throw e;
  }
}

const send = (s: dgram.Socket, b: Uint8Array, r: dgram.RemoteInfo) => s.send(b, r.port, r.address);

/** An honest tracker: connection id 0xabc, one peer. */
const honest = (msg: Uint8Array, r: dgram.RemoteInfo, s: dgram.Socket) => {
  const q = udpRequest(msg);
  if (q.action === 0) send(s, connectReply(q.tid, 0xabcn), r);
  else if (q.action === 1 && q.connectionId === 0xabcn)
    send(s, announceReply(q.tid, [['127.0.0.1', 7000]]), r);
};

describe('UDP announce', () => {
  test('connect → announce; connection id reused within the TTL; fresh transaction ids', async () => {
    const f = await fake(honest);
    const c = client();
    const r = await c.announce(f.url(), req);
    expect(r.peers).toEqual([{ host: '127.0.0.1', port: 7000 }]);
    await c.announce(f.url(), req);
    const actions = f.received.map((m) => udpRequest(m).action);
    expect(actions).toEqual([0, 1, 1]);
    const tids = f.received.map((m) => udpRequest(m).tid);
    expect(new Set(tids).size).toBe(3);
  });

  test('an expired connection id is renewed (TTL injected)', async () => {
    const f = await fake(honest);
    let now = 0;
    const c = client({ now: () => now, connectionTtlMs: 60_000 });
    await c.announce(f.url(), req);
    now += 60_001;
    await c.announce(f.url(), req);
    expect(f.received.map((m) => udpRequest(m).action)).toEqual([0, 1, 0, 1]);
  });

  test('BEP 41: path and query travel as URLData after the 98-byte announce', async () => {
    const f = await fake(honest);
    await client().announce(f.url('/announce?pk=abc'), req);
    const ann = f.received[1]!;
    expect(ann.length).toBe(98 + 2 + '/announce?pk=abc'.length + 1);
    expect(new TextDecoder().decode(ann.subarray(100, ann.length - 1))).toBe('/announce?pk=abc');
  });

  test('T25 wrong transaction id is ignored; the right one still counts', async () => {
    const f = await fake((msg, r, s) => {
      const q = udpRequest(msg);
      const reply =
        q.action === 0 ? connectReply : (tid: number) => announceReply(tid, [['127.0.0.1', 7001]]);
      const wrong = q.action === 0 ? connectReply((q.tid + 1) >>> 0, 0x666n) : reply((q.tid ^ 1) >>> 0, 0n);
      send(s, wrong, r);
      setTimeout(() => send(s, q.action === 0 ? connectReply(q.tid, 0xabcn) : reply(q.tid, 0n), r), 20);
    });
    const r = await client().announce(f.url(), req);
    expect(r.peers).toEqual([{ host: '127.0.0.1', port: 7001 }]);
    // The announce used the connection id of the right reply, not the forged one.
    expect(udpRequest(f.received[1]!).connectionId).toBe(0xabcn);
  });

  test('T25 a reply from another socket (wrong source port) is ignored', async () => {
    const other = dgram.createSocket('udp4');
    await new Promise<void>((res) => other.bind(0, '127.0.0.1', res));
    cleanups.push(() => new Promise<void>((res) => other.close(() => res())));
    const f = await fake((msg, r, s) => {
      const q = udpRequest(msg);
      if (q.action === 0) {
        // Forged from a different port with the right transaction id, then the real answer.
        send(other, connectReply(q.tid, 0x666n), r);
        setTimeout(() => send(s, connectReply(q.tid, 0xabcn), r), 30);
      } else if (q.connectionId === 0xabcn) send(s, announceReply(q.tid, [['127.0.0.1', 7002]]), r);
    });
    const r = await client().announce(f.url(), req);
    expect(r.peers).toEqual([{ host: '127.0.0.1', port: 7002 }]);
  });

  test('T25 only forged replies from another port → TRACKER_TIMEOUT, never accepted', async () => {
    const other = dgram.createSocket('udp4');
    await new Promise<void>((res) => other.bind(0, '127.0.0.1', res));
    cleanups.push(() => new Promise<void>((res) => other.close(() => res())));
    const f = await fake((msg, r) => send(other, connectReply(udpRequest(msg).tid, 1n), r));
    expect(await codeOf(client({ baseTimeoutMs: 20, maxRetries: 1 }).announce(f.url(), req))).toBe(
      'TRACKER_TIMEOUT',
    );
  });

  test('T25 short packets and unknown actions are ignored', async () => {
    const f = await fake((msg, r, s) => {
      const q = udpRequest(msg);
      send(s, new Uint8Array(7), r);
      send(s, connectReply(q.tid, 1n).subarray(0, 12), r); // connect under 16 bytes
      const odd = connectReply(q.tid, 1n);
      odd[3] = 9; // unknown action
      send(s, odd, r);
      if (q.action === 1) send(s, announceReply(q.tid).subarray(0, 19), r); // announce under 20
      setTimeout(() => honest(msg, r, s), 20);
    });
    expect((await client().announce(f.url(), req)).peers).toHaveLength(1);
  });

  test('retransmits with back-off, then succeeds', async () => {
    const f = await fake((msg, r, s, n) => {
      if (n <= 2) return; // drop the first two connect requests
      honest(msg, r, s);
    });
    const t0 = Date.now();
    const r = await client({ baseTimeoutMs: 50, maxRetries: 3 }).announce(f.url(), req);
    expect(r.peers).toHaveLength(1);
    const connects = f.received.filter((m) => udpRequest(m).action === 0);
    expect(connects).toHaveLength(3);
    // One request, one transaction id across its retransmissions.
    expect(new Set(connects.map((m) => udpRequest(m).tid)).size).toBe(1);
    // Waited at least 50 + 100 ms before the third send (base·2^n; a lower bound only).
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
  });

  test('T26 a silent tracker → TRACKER_TIMEOUT after 1 + maxRetries sends', async () => {
    const f = await fake(() => {});
    expect(await codeOf(client({ baseTimeoutMs: 10, maxRetries: 2 }).announce(f.url(), req))).toBe(
      'TRACKER_TIMEOUT',
    );
    expect(f.received).toHaveLength(3);
  });

  test('T25 error action 3 → TRACKER_FAILURE with the message', async () => {
    const f = await fake((msg, r, s) => {
      const q = udpRequest(msg);
      if (q.action === 0) send(s, connectReply(q.tid, 5n), r);
      else send(s, errorReply(q.tid, 'info hash not whitelisted'), r);
    });
    await expect(client().announce(f.url(), req)).rejects.toMatchObject({
      code: 'TRACKER_FAILURE',
      message: 'info hash not whitelisted',
    });
  });

  test('AbortSignal and close() → ABORTED; bad URLs → TRACKER_UNSUPPORTED', async () => {
    const f = await fake(() => {});
    const c = client({ baseTimeoutMs: 10_000 });
    const ac = new AbortController();
    const p1 = c.announce(f.url(), req, ac.signal);
    setTimeout(() => ac.abort(), 30);
    expect(await codeOf(p1)).toBe('ABORTED');
    const p2 = c.announce(f.url(), req);
    setTimeout(() => c.close(), 30);
    expect(await codeOf(p2)).toBe('ABORTED');
    const c2 = client();
    expect(await codeOf(c2.announce('udp://127.0.0.1/announce', req))).toBe('TRACKER_UNSUPPORTED');
    expect(await codeOf(c2.announce('udp://127.0.0.1:99999/announce', req))).toBe('TRACKER_UNSUPPORTED');
    expect(await codeOf(c2.announce('http://127.0.0.1:1/announce', req))).toBe('TRACKER_UNSUPPORTED');
  });
});
