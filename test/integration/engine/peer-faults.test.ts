// Engine-level peer faults (RELIABILITY.md section P): the items the wire codec tests leave to the
// layers above (test/unit/wire/reliability.test.ts header). A scripted fake peer on its own loopback
// IP injects one fault; the honest peer is a real Magnetar seeder session, reached through a
// throttling proxy so the download is still running while the fault happens.
//
// Global oracles (RELIABILITY (c)), checked by every test through `oracles()`: the session is alive
// (torrent not in error, listener answers), the faulty peer is disconnected and no one else is (the
// honest seeder is never banned), the download completes with the seeder's bytes, arrayBuffers +
// heap stay under a budget, and no unhandled rejection happened (afterEach).
//
// Items: P29 (live peer), P32/P33 (duplicate and late bitfields/haves; have out of range), P34
// (request geometry, a piece we lack, choke state), P35 (request flood), P36 (unrequested pieces),
// P38 (no handshake, drip, wrong info-hash both ways, our own peer id, duplicate peer id,
// connecting to ourselves), P39 (a peer that stalls mid-piece), P40 (a peer that stops reading:
// send buffer bound), P43 (suggest flood, unrequested
// reject, allowed-fast out of range).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  HANDSHAKE_TIMEOUT_MS,
  MAX_INCOMING_REQUESTS,
  MAX_REQUEST_LENGTH,
} from '../../../native-host/src/core/limits.ts';
import type { Session } from '../../../native-host/src/engine/session.ts';
import { encodeHandshake, makePeerId, type PeerMessage } from '../../../native-host/src/wire/index.ts';
import { sha256File } from '../../helpers/payload.ts';
import { tcpAnswers } from '../../helpers/ports.ts';
import { waitFor } from '../../helpers/procs.ts';
import {
  bitfield,
  closeScriptedPeers,
  connectScriptedPeer,
  delay,
  expectClose,
  expectHandshake,
  expectMessage,
  handshake,
  listenScriptedPeer,
  pauseReading,
  raw,
  type ScriptedPeer,
  send,
  startRelay,
  u32,
} from '../../helpers/scripted-peer.ts';
import { startThrottleProxy, type ThrottleProxy } from '../../helpers/throttle-proxy.ts';
import { makeTempDir, removeAllTempDirs, type TempDir } from '../../helpers/tmp.ts';
import { closeSessions, type Made, seeding, session, singleFile, whenDone } from './fixtures.ts';

const KiB = 1024;
const MiB = 1024 * KiB;
/** Growth of arrayBuffers + heapUsed a single fault may cause (a 4 GiB prefix must cost nothing). */
const MEMORY_BUDGET = 48 * MiB;

const unhandled: unknown[] = [];
const onUnhandled = (e: unknown) => unhandled.push(e);
const proxies = new Set<ThrottleProxy>();

beforeAll(() => {
  process.on('unhandledRejection', onUnhandled);
});
afterEach(async () => {
  await closeScriptedPeers();
  await Promise.all([...proxies].map((p) => p.close()));
  proxies.clear();
  await closeSessions();
  expect(unhandled).toEqual([]);
});
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
  removeAllTempDirs();
});

interface World {
  tmp: TempDir;
  made: Made;
  seeder: Session;
  id: string;
  ih: Uint8Array;
  pieceCount: number;
  payload: Uint8Array;
}

/** A payload, its torrent, and a real Magnetar session seeding it. */
async function world(size = 2 * MiB + 123, pieceLength = 64 * KiB): Promise<World> {
  const tmp = makeTempDir();
  const made = await singleFile(join(tmp.path, 'seed'), 'payload.bin', size, pieceLength);
  const seeder = await session({ downloadRoot: join(tmp.path, 'seed') });
  const s = await seeder.addTorrentFile(made.bytes);
  await seeding(seeder, s.id);
  return {
    tmp,
    made,
    seeder,
    id: s.id,
    ih: made.torrent.infoHash,
    pieceCount: made.torrent.pieceCount,
    payload: new Uint8Array(readFileSync(join(tmp.path, 'seed', 'payload.bin'))),
  };
}

/** A leecher whose honest peer is the seeder behind a proxy at `rate` bytes/s (0: no seeder). */
async function leecher(
  w: World,
  opts: { extra?: { host: string; port: number }[]; rate?: number; seed?: boolean } = {},
): Promise<Session> {
  const peers = [...(opts.extra ?? [])];
  const rate = opts.rate ?? 1 * MiB;
  if (rate > 0) {
    const proxy = await startThrottleProxy({ host: '127.0.0.1', port: w.seeder.port }, rate);
    proxies.add(proxy);
    peers.push({ host: '127.0.0.1', port: proxy.port });
  }
  const s = await session({
    downloadRoot: join(w.tmp.path, 'out'),
    extraPeers: peers,
    seedAfterDownload: opts.seed ?? false,
  });
  await s.addTorrentFile(w.made.bytes, { seed: opts.seed ?? false });
  return s;
}

function memory(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const m = process.memoryUsage();
  return m.arrayBuffers + m.heapUsed;
}

/** RELIABILITY (c) global oracles for a session after a fault. */
async function oracles(s: Session, id: string, memBefore: number, faultHost: string): Promise<void> {
  const t = s.get(id);
  expect(t).toBeDefined();
  expect(t!.state).not.toBe('error');
  expect(await tcpAnswers(s.port)).toBe(true);
  const banned = s.torrent(id)!.bannedHosts;
  expect(banned.filter((h) => h !== faultHost)).toEqual([]);
  expect(memory() - memBefore).toBeLessThan(MEMORY_BUDGET);
}

async function completes(s: Session, w: World): Promise<void> {
  await whenDone(s, w.id, 60_000);
  expect(await sha256File(join(w.tmp.path, 'out', 'payload.bin'))).toBe(
    await sha256File(join(w.tmp.path, 'seed', 'payload.bin')),
  );
}

/** Connected peer keys of a torrent (the swarm is private: element access is TS's escape hatch). */
function peerKeys(s: Session, id: string): string[] {
  return [...(s.torrent(id)?.['swarm']?.peers.keys() ?? [])];
}

/** The honest seeder's connection (through the proxy on 127.0.0.1), once it is up. */
function honestPeer(s: Session, id: string): Promise<string> {
  return waitFor(
    () => peerKeys(s, id).find((k) => k.startsWith('127.0.0.1:')),
    10_000,
    'the honest seeder connects',
  );
}

/** "A disconnect of that peer only": the honest connection is the same one as before the fault. */
function honestStays(s: Session, id: string, key: string): void {
  // Once complete, a download-only session closes its seeds by design.
  if (s.get(id)!.progress < 1) expect(peerKeys(s, id)).toContain(key);
}

/** Invariant: each piece's availability is the number of connected peers that have it. */
function checkAvailability(s: Session, id: string): void {
  const swarm = s.torrent(id)?.['swarm'];
  if (!swarm) return;
  const avail = swarm['picker'].availability;
  const expected = new Array<number>(avail.length).fill(0);
  for (const p of swarm.peers.values())
    for (let i = 0; i < avail.length; i++) if (p.bits.has(i)) expected[i]!++;
  expect([...avail]).toEqual(expected);
}

const isType =
  (type: PeerMessage['type']) =>
  (m: PeerMessage): boolean =>
    m.type === type;

describe('peer faults against a downloading session', () => {
  for (const length of [0xffff_ffff, 2_000_000]) {
    it(`P29 a length prefix of ${length} from a live peer drops it on the header; memory stays flat`, async () => {
      const w = await world();
      const s = await leecher(w);
      const before = memory();
      const honest = await honestPeer(s, w.id);
      const fake = connectScriptedPeer({
        to: { host: '127.0.0.1', port: s.port },
        from: '127.0.0.2',
        pieceCount: w.pieceCount,
        script: [
          handshake(w.ih),
          expectHandshake(),
          raw(u32(length)),
          raw(new Uint8Array(64 * KiB).fill(7)),
          expectClose(),
        ],
      });
      await fake.done;
      expect(fake.closedBy).toBe('remote');
      honestStays(s, w.id, honest);
      await oracles(s, w.id, before, '127.0.0.2');
      await completes(s, w);
    });
  }

  it('P33 a have with an index ≥ the piece count drops that peer only', async () => {
    const w = await world();
    const s = await leecher(w);
    const before = memory();
    const honest = await honestPeer(s, w.id);
    const fake = connectScriptedPeer({
      to: { host: '127.0.0.1', port: s.port },
      from: '127.0.0.2',
      pieceCount: w.pieceCount,
      script: [
        handshake(w.ih),
        expectHandshake(),
        send({ type: 'have', index: 0 }),
        send({ type: 'have', index: w.pieceCount }),
        expectClose(),
      ],
    });
    await fake.done;
    expect(fake.closedBy).toBe('remote');
    honestStays(s, w.id, honest);
    await oracles(s, w.id, before, '127.0.0.2');
    await completes(s, w);
  });

  it('P32/P33 bitfields sent twice, after have-all, and duplicate haves are reconciled (availability exact)', async () => {
    const w = await world();
    const s = await leecher(w);
    const before = memory();
    const honest = await honestPeer(s, w.id);
    const n = w.pieceCount;
    const fake = connectScriptedPeer({
      to: { host: '127.0.0.1', port: s.port },
      from: '127.0.0.2',
      pieceCount: n,
      script: [
        handshake(w.ih, { fast: true }),
        expectHandshake(),
        bitfield(n, (i) => i % 2 === 0),
        bitfield(n, (i) => i % 3 === 0),
        send({ type: 'have-all' }),
        bitfield(n, (i) => i < 5),
        send({ type: 'have-none' }),
        ...Array.from({ length: 200 }, (_, k) => send({ type: 'have', index: k % 7 })),
        bitfield(n, (i) => i % 5 === 0),
        send({ type: 'have', index: 1 }),
        send({ type: 'have', index: 1 }),
        delay(300),
      ],
    });
    await fake.done;
    expect(fake.isClosed).toBe(false);
    const mine = s.torrent(w.id)?.['swarm']?.peers.get(`127.0.0.2:${fake.socket.localPort}`);
    expect(mine).toBeDefined();
    for (let i = 0; i < n; i++) expect(mine!.bits.has(i)).toBe(i % 5 === 0 || i === 1);
    checkAvailability(s, w.id);
    honestStays(s, w.id, honest);
    await fake.close();
    await waitFor(() => !peerKeys(s, w.id).some((k) => k.startsWith('127.0.0.2:')), 5_000, 'fake detached');
    checkAvailability(s, w.id);
    await oracles(s, w.id, before, '127.0.0.2');
    await completes(s, w);
  });

  it('P34 a request for a piece we do not have drops the peer', async () => {
    const w = await world();
    // No honest peer: the leecher has nothing at all.
    const s = await leecher(w, { rate: 0 });
    const before = memory();
    const fake = connectScriptedPeer({
      to: { host: '127.0.0.1', port: s.port },
      from: '127.0.0.2',
      pieceCount: w.pieceCount,
      script: [
        handshake(w.ih),
        expectHandshake(),
        send({ type: 'interested' }),
        send({ type: 'request', index: w.pieceCount - 1, begin: 0, length: 16 * KiB }),
        expectClose(),
      ],
    });
    await fake.done;
    expect(fake.received.some(isType('piece'))).toBe(false);
    await oracles(s, w.id, before, '127.0.0.2');
  });

  // Regression (was a bug, now fixed): swarm.ts onPiece() passes a block nobody requested to picker.receive(), which stores it in
  // any partial piece; garbage from a peer we never asked lands in the piece, fails the hash and gets
  // that peer banned (and, mixed with honest blocks, puts the piece on parole) instead of being
  // discarded as waste (RELIABILITY P36).
  it('P36 unrequested piece messages are discarded, never written (no hash failure, no ban)', async () => {
    // 16 KiB pieces (one block each) and a 100-byte last piece the fake can spray cheaply.
    const w = await world(64 * 16 * KiB + 100, 16 * KiB);
    const last = w.pieceCount - 1;
    const server = await listenScriptedPeer({
      host: '127.0.0.3',
      pieceCount: w.pieceCount,
      script: [
        expectHandshake(),
        // Claims nothing, so it is never asked for anything.
        handshake(w.ih),
        ...Array.from({ length: 300 }, () => [
          send({ type: 'piece', index: last, begin: 0, block: new Uint8Array(100).fill(0xee) }),
          delay(20),
        ]).flat(),
      ],
    });
    const s = await leecher(w, { rate: 256 * KiB, extra: [{ host: server.host, port: server.port }] });
    const before = memory();
    await waitFor(() => server.peers.length > 0, 10_000, 'the leecher dials the fake');
    await completes(s, w);
    expect(server.peers[0]!.received.some(isType('request'))).toBe(false);
    await oracles(s, w.id, before, '');
    expect(s.torrent(w.id)!.bannedHosts).toEqual([]);
    // Every byte the seeder sent was used once: no piece was fetched again after a hash failure.
    expect(w.seeder.get(w.id)!.uploaded).toBe(w.made.torrent.totalLength);
  });

  it('P43 a suggest flood, rejects for blocks never requested and allowed-fast out of range are ignored or dropped', async () => {
    const w = await world();
    const s = await leecher(w);
    const before = memory();
    const honest = await honestPeer(s, w.id);
    const flood = new Uint8Array(10_000 * 9);
    for (let k = 0; k < 10_000; k++) {
      flood.set(u32(5), k * 9);
      flood[k * 9 + 4] = 0x0d; // suggest
      flood.set(u32(k % (w.pieceCount + 50)), k * 9 + 5);
    }
    const fake = connectScriptedPeer({
      to: { host: '127.0.0.1', port: s.port },
      from: '127.0.0.2',
      pieceCount: w.pieceCount,
      script: [
        handshake(w.ih, { fast: true }),
        expectHandshake(),
        send({ type: 'have-all' }),
        raw(flood),
        ...Array.from({ length: 100 }, (_, k) =>
          send({ type: 'reject', index: k % w.pieceCount, begin: 0, length: 16 * KiB }),
        ),
        send({ type: 'allowed-fast', index: w.pieceCount + 7 }),
        send({ type: 'allowed-fast', index: 0xffff_fff0 }),
        delay(300),
      ],
    });
    await fake.done;
    expect(fake.decodeError).toBeNull();
    honestStays(s, w.id, honest);
    await oracles(s, w.id, before, '');
    checkAvailability(s, w.id);
    await completes(s, w);
    expect(s.torrent(w.id)!.bannedHosts).toEqual([]);
  });

  it('P38 a peer that never handshakes and one that drips a byte a second are closed by the handshake timeout', async () => {
    const w = await world();
    const s = await leecher(w, { rate: 0 });
    const silent = connectScriptedPeer({
      to: { host: '127.0.0.1', port: s.port },
      from: '127.0.0.2',
      script: [expectClose(HANDSHAKE_TIMEOUT_MS + 5_000)],
    });
    // A valid handshake, one byte a second: it would take 68 s.
    const hs = encodeHandshake({ infoHash: w.ih, peerId: makePeerId() });
    const drip = connectScriptedPeer({
      to: { host: '127.0.0.1', port: s.port },
      from: '127.0.0.3',
      script: [
        ...Array.from({ length: 30 }, (_, k) => [raw(hs.subarray(k, k + 1)), delay(1_000)]).flat(),
        expectClose(5_000),
      ],
    });
    const before = memory();
    await Promise.all([silent.done, drip.done]);
    expect(silent.closedBy).toBe('remote');
    expect(drip.closedBy).toBe('remote');
    // Neither got a handshake (we answer only after reading theirs); the drip never got 68 bytes out.
    expect(silent.remoteHandshake).toBeNull();
    expect(drip.remoteHandshake).toBeNull();
    expect(drip.bytesSent).toBeLessThan(68);
    await oracles(s, w.id, before, '');
  });

  it('P38 an incoming handshake for an unknown info-hash is closed without an answer', async () => {
    const w = await world();
    const s = await leecher(w);
    const before = memory();
    const honest = await honestPeer(s, w.id);
    const fake = connectScriptedPeer({
      to: { host: '127.0.0.1', port: s.port },
      from: '127.0.0.2',
      script: [handshake(new Uint8Array(20).fill(0x42), { fast: true, extended: true }), expectClose()],
    });
    await fake.done;
    expect(fake.closedBy).toBe('remote');
    expect(fake.bytesReceived).toBe(0);
    honestStays(s, w.id, honest);
    await oracles(s, w.id, before, '');
    await completes(s, w);
  });

  it('P38 a dialled peer that answers for another info-hash is dropped and never dialled again', async () => {
    const w = await world();
    const server = await listenScriptedPeer({
      host: '127.0.0.3',
      pieceCount: w.pieceCount,
      script: [
        expectHandshake(),
        handshake(new Uint8Array(20).fill(0x42)),
        bitfield(w.pieceCount),
        expectClose(),
      ],
    });
    const s = await leecher(w, { extra: [{ host: server.host, port: server.port }], seed: true });
    const before = memory();
    await waitFor(() => server.peers.length > 0, 10_000, 'the leecher dials the fake');
    await server.peers[0]!.done;
    expect(server.peers[0]!.closedBy).toBe('remote');
    // Our handshake named our torrent; theirs did not match, so no message followed.
    expect(server.peers[0]!.remoteHandshake?.infoHash).toEqual(w.ih);
    expect(server.peers[0]!.received).toEqual([]);
    await completes(s, w);
    // Redials happen after 5 s at the earliest (RETRY_BASE_MS); the candidate must be gone instead.
    await new Promise((r) => setTimeout(r, 6_500));
    expect(server.peers.length).toBe(1);
    await oracles(s, w.id, before, '');
  });

  // Regression: an incoming connection carrying our own peer id (ourselves through another
  // address, or a spoofer) used to be attached as a peer. Now it gets our handshake back (so a
  // dialling Magnetar learns the address is itself) and is hung up, never attached.
  it('P38 an incoming handshake with our own peer id is refused', async () => {
    const w = await world();
    const s = await leecher(w);
    const fake = connectScriptedPeer({
      to: { host: '127.0.0.1', port: s.port },
      from: '127.0.0.2',
      script: [handshake(w.ih, { peerId: s.peerId }), expectClose(3_000)],
    });
    await fake.done;
    expect(fake.closedBy).toBe('remote');
    expect(peerKeys(s, w.id).some((k) => k.startsWith('127.0.0.2:'))).toBe(false);
  });

  it('P38 a second connection with a peer id already connected is refused; the first stays', async () => {
    const w = await world();
    const s = await leecher(w);
    const id = makePeerId();
    const first = connectScriptedPeer({
      to: { host: '127.0.0.1', port: s.port },
      from: '127.0.0.2',
      script: [handshake(w.ih, { peerId: id }), expectHandshake()],
    });
    await first.done;
    await waitFor(() => peerKeys(s, w.id).some((k) => k.startsWith('127.0.0.2:')), 5_000, 'first attached');
    const second = connectScriptedPeer({
      to: { host: '127.0.0.1', port: s.port },
      from: '127.0.0.3',
      script: [handshake(w.ih, { peerId: id }), expectClose()],
    });
    await second.done;
    expect(second.closedBy).toBe('remote');
    expect(second.remoteHandshake).toBeNull();
    expect(first.isClosed).toBe(false);
    await completes(s, w);
  });

  it('P38 a session that dials itself through another address drops that connection and never redials it', async () => {
    const w = await world();
    let self: Session | null = null;
    const relay = await startRelay({
      host: '127.0.0.4',
      target: () => ({ host: '127.0.0.1', port: self!.port }),
    });
    const proxy = await startThrottleProxy({ host: '127.0.0.1', port: w.seeder.port }, 1 * MiB);
    proxies.add(proxy);
    const s = await session({
      downloadRoot: join(w.tmp.path, 'out'),
      extraPeers: [
        { host: relay.host, port: relay.port },
        { host: '127.0.0.1', port: proxy.port },
      ],
    });
    self = s;
    await s.addTorrentFile(w.made.bytes, { seed: true });
    const before = memory();
    await waitFor(() => relay.connections() > 0, 10_000, 'the session dials the relay');
    await completes(s, w);
    await new Promise((r) => setTimeout(r, 6_500));
    expect(relay.connections()).toBe(1);
    // No peer of ours carries our own id.
    const swarm = s.torrent(w.id)!['swarm'];
    for (const p of swarm?.peers.values() ?? [])
      expect(Buffer.from(p.peerId).equals(Buffer.from(s.peerId))).toBe(false);
    await oracles(s, w.id, before, '');
  });

  it('P39 a peer that stalls mid-piece: its blocks go to the honest peer and the download completes', async () => {
    const w = await world(2 * MiB + 123, 64 * KiB);
    let answered = 0;
    const unanswered: string[] = [];
    const server = await listenScriptedPeer({
      host: '127.0.0.3',
      pieceCount: w.pieceCount,
      script: [expectHandshake(), handshake(w.ih), bitfield(w.pieceCount), send({ type: 'unchoke' })],
      // Sends one correct block (so it holds part of a piece), then never answers again.
      responder: (m, peer: ScriptedPeer) => {
        if (m.type !== 'request') return;
        if (answered > 0) {
          unanswered.push(`${m.index}/${m.begin}`);
          return;
        }
        answered++;
        const at = m.index * w.made.torrent.pieceLength + m.begin;
        peer.sendMessage({
          type: 'piece',
          index: m.index,
          begin: m.begin,
          block: w.payload.slice(at, at + m.length),
        });
      },
    });
    const s = await leecher(w, { extra: [{ host: server.host, port: server.port }], rate: 2 * MiB });
    const before = memory();
    await completes(s, w);
    expect(answered).toBe(1);
    expect(unanswered.length).toBeGreaterThan(0);
    await oracles(s, w.id, before, '');
  });
});

describe('peer faults against a seeding session', () => {
  /** An honest leecher on a slow link, so the seeder is serving while the faults arrive. */
  async function honest(w: World): Promise<Session> {
    return leecher(w, { rate: 512 * KiB });
  }

  it('P34 requests outside the piece geometry (bad index, past the piece end, length 0, over the cap) drop that peer', async () => {
    const w = await world(2 * MiB + 123, 64 * KiB);
    const s = await honest(w);
    await waitFor(() => w.seeder.get(w.id)!.peers > 0, 10_000, 'the honest leecher connects');
    const before = memory();
    const lastSize = w.made.torrent.lastPieceLength;
    const bad = [
      { index: w.pieceCount, begin: 0, length: 16 * KiB },
      { index: w.pieceCount - 1, begin: lastSize - 100, length: 16 * KiB },
      { index: 0, begin: 0, length: 0 },
      { index: 0, begin: 0, length: MAX_REQUEST_LENGTH + 1 },
    ];
    const fakes = bad.map((r, k) =>
      connectScriptedPeer({
        to: { host: '127.0.0.1', port: w.seeder.port },
        from: `127.0.0.${k + 2}`,
        pieceCount: w.pieceCount,
        script: [
          handshake(w.ih, { fast: true }),
          expectHandshake(),
          send({ type: 'interested' }),
          expectMessage('unchoke', isType('unchoke')),
          send({ type: 'request', ...r }),
          expectClose(),
        ],
      }),
    );
    for (const f of fakes) await f.done;
    for (const f of fakes) {
      expect(f.closedBy).toBe('remote');
      expect(f.received.some(isType('piece'))).toBe(false);
    }
    // The honest leecher is still being served.
    expect(w.seeder.get(w.id)!.peers).toBeGreaterThanOrEqual(1);
    await oracles(w.seeder, w.id, before, '');
    await completes(s, w);
  });

  it('P34 requests while choked are never served and unchoke nothing (with and without BEP 6)', async () => {
    const w = await world();
    const req = { index: 0, begin: 0, length: 16 * KiB };
    // Never interested, so never unchoked.
    const peers = [true, false].map((fast, k) =>
      connectScriptedPeer({
        to: { host: '127.0.0.1', port: w.seeder.port },
        from: `127.0.0.${k + 2}`,
        pieceCount: w.pieceCount,
        script: [
          handshake(w.ih, { fast }),
          expectHandshake(),
          ...Array.from({ length: 10 }, () => send({ type: 'request', ...req })),
          delay(1_000),
        ],
      }),
    );
    for (const p of peers) await p.done;
    for (const p of peers) {
      expect(p.isClosed).toBe(false);
      expect(p.received.some(isType('piece'))).toBe(false);
      expect(p.received.some(isType('unchoke'))).toBe(false);
    }
    // Without BEP 6 the requests are dropped silently.
    expect(peers[1]!.received.map((m) => m.type)).toEqual(['bitfield']);
  });

  // Regression (was a bug, now fixed): swarm.ts onRequest() sends `{ type: 'reject', ...m }` where `m` is the whole request
  // message, so its `type: 'request'` wins: a choked BEP 6 peer gets our *request* echoed back
  // instead of a reject (fix: `{ ...m, type: 'reject' }`).
  it('P34 with BEP 6 a request while choked is answered with a reject for that block', async () => {
    const w = await world();
    const req = { index: 0, begin: 0, length: 16 * KiB };
    const fake = connectScriptedPeer({
      to: { host: '127.0.0.1', port: w.seeder.port },
      from: '127.0.0.2',
      pieceCount: w.pieceCount,
      script: [
        handshake(w.ih, { fast: true }),
        expectHandshake(),
        send({ type: 'request', ...req }),
        expectMessage('reject', isType('reject'), 3_000),
      ],
    });
    await fake.done;
    expect(fake.received.find(isType('reject'))).toEqual({ type: 'reject', ...req });
    expect(fake.received.some(isType('request'))).toBe(false);
  });

  // Regression (was a bug, now fixed): swarm.ts onRequest() answers every request from a choked peer with a reject (or silence)
  // forever; RELIABILITY P34 (libtorrent max_rejects) wants the peer dropped after 50 of them.
  it('P34 a peer that keeps requesting while choked is dropped after 50 requests', async () => {
    const w = await world();
    const fake = connectScriptedPeer({
      to: { host: '127.0.0.1', port: w.seeder.port },
      from: '127.0.0.2',
      pieceCount: w.pieceCount,
      script: [
        handshake(w.ih, { fast: true }),
        expectHandshake(),
        ...Array.from({ length: 100 }, (_, k) =>
          send({ type: 'request', index: k % (w.pieceCount - 1), begin: 0, length: 16 * KiB }),
        ),
        expectClose(3_000),
      ],
    });
    await fake.done;
    expect(fake.closedBy).toBe('remote');
  });

  it('P40 a peer that stops reading while we upload: our send buffer for it stays bounded', async () => {
    const w = await world(4 * MiB, 64 * KiB);
    const before = memory();
    // 1,500 valid 16 KiB requests (24 MiB, within the advertised reqq), then a zero TCP window.
    const n = 1_500;
    const frames = new Uint8Array(n * 17);
    const blocksPerPiece = w.made.torrent.pieceLength / (16 * KiB);
    for (let k = 0; k < n; k++) {
      const o = k * 17;
      frames.set(u32(13), o);
      frames[o + 4] = 6;
      frames.set(u32(Math.floor(k / blocksPerPiece) % (w.pieceCount - 1)), o + 5);
      frames.set(u32((k % blocksPerPiece) * 16 * KiB), o + 9);
      frames.set(u32(16 * KiB), o + 13);
    }
    const fake = connectScriptedPeer({
      to: { host: '127.0.0.1', port: w.seeder.port },
      from: '127.0.0.2',
      pieceCount: w.pieceCount,
      script: [
        handshake(w.ih, { fast: true }),
        expectHandshake(),
        send({ type: 'interested' }),
        expectMessage('unchoke', isType('unchoke')),
        pauseReading(),
        raw(frames),
      ],
    });
    await fake.done;
    const key = `127.0.0.2:${fake.socket.localPort}`;
    const conn = () => w.seeder.torrent(w.id)?.['swarm']?.peers.get(key)?.conn;
    // Serving stops once the kernel buffers are full: the queue stops shrinking.
    let last = -1;
    await waitFor(
      () => {
        const q = w.seeder.torrent(w.id)?.['swarm']?.peers.get(key)?.incoming.length ?? -1;
        const still = q === last && q > 0;
        last = q;
        return still;
      },
      15_000,
      'serving to the non-reading peer stalls',
      500,
    );
    expect(fake.isClosed).toBe(false);
    // DESIGN rule 7: at most 1 MiB queued in the socket, plus the one block written past the mark.
    expect(conn()!.sendBuffered).toBeLessThanOrEqual(1 * MiB + 16 * KiB + 13);
    await oracles(w.seeder, w.id, before, '');
  });

  it(`P35 a flood of 10,000 requests from a peer that reads nothing is cut at ${MAX_INCOMING_REQUESTS} queued`, async () => {
    const w = await world(2 * MiB + 123, 64 * KiB);
    const s = await honest(w);
    await waitFor(() => w.seeder.get(w.id)!.peers > 0, 10_000, 'the honest leecher connects');
    const before = memory();
    // 10,000 distinct, valid 16 KiB requests (unaligned begins inside piece 0..n).
    const frames = new Uint8Array(10_000 * 17);
    const pl = w.made.torrent.pieceLength;
    for (let k = 0; k < 10_000; k++) {
      const o = k * 17;
      frames.set(u32(13), o);
      frames[o + 4] = 6;
      frames.set(u32(k % (w.pieceCount - 1)), o + 5);
      frames.set(u32(Math.floor(k / (w.pieceCount - 1)) % (pl - 16 * KiB)), o + 9);
      frames.set(u32(16 * KiB), o + 13);
    }
    const fake = connectScriptedPeer({
      to: { host: '127.0.0.1', port: w.seeder.port },
      from: '127.0.0.2',
      pieceCount: w.pieceCount,
      script: [
        handshake(w.ih, { fast: true }),
        expectHandshake(),
        send({ type: 'interested' }),
        expectMessage('unchoke', isType('unchoke')),
        pauseReading(),
        raw(frames),
        expectClose(15_000),
      ],
    });
    await fake.done;
    expect(fake.closedBy).toBe('remote');
    expect(w.seeder.get(w.id)!.peers).toBeGreaterThanOrEqual(1);
    await oracles(w.seeder, w.id, before, '');
    await completes(s, w);
  });
});
