// The extension's host connection (extension/background/host-port.ts) over a scripted port:
// replies matched by id, timeouts, reconnect with backoff, and no replay of non-idempotent
// commands after a reconnect (RELIABILITY N79).

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HostPort, type NativePort } from '../../../extension/background/host-port.ts';
import type { HostCallResult } from '../../../extension/lib/messages.ts';

class FakePort implements NativePort {
  posted: Record<string, unknown>[] = [];
  private msg: ((m: unknown) => void)[] = [];
  private disc: ((p: NativePort) => void)[] = [];
  disconnected = false;
  onMessage = { addListener: (cb: (m: unknown) => void) => this.msg.push(cb) };
  onDisconnect = { addListener: (cb: (p: NativePort) => void) => this.disc.push(cb) };
  postMessage(m: unknown) {
    this.posted.push(m as Record<string, unknown>);
  }
  disconnect() {
    this.disconnected = true;
  }
  reply(id: unknown, result: unknown = {}) {
    for (const cb of this.msg) cb({ v: 1, id, type: 'reply', ok: true, result });
  }
  send(m: unknown) {
    for (const cb of this.msg) cb(m);
  }
  drop() {
    for (const cb of this.disc) cb(this);
  }
  ids(type: string) {
    return this.posted.filter((m) => m['type'] === type).map((m) => m['id']);
  }
}

let ports: FakePort[];
let reason: string | null;
let events: unknown[];
let hp: HostPort;

beforeEach(() => {
  vi.useFakeTimers();
  ports = [];
  reason = null;
  events = [];
  hp = new HostPort({
    onEvent: (e) => events.push(e),
    onStatus: () => undefined,
    onConnected: () => undefined,
    connectNative: () => {
      const p = new FakePort();
      ports.push(p);
      return p;
    },
    disconnectReason: () => reason,
  });
});
afterEach(() => vi.useRealTimers());

const hello = { protocol: 1, hostVersion: 'x', platform: 'linux', dataDir: '/d', settings: {} };

describe('HostPort', () => {
  it('connects on demand, sends the envelope, and matches replies by id', async () => {
    const p = hp.call({ type: 'list' });
    const port = ports[0]!;
    expect(port.posted.map((m) => m['type'])).toEqual(['list', 'hello']);
    port.reply(port.ids('hello')[0], hello);
    port.reply(port.ids('list')[0], { total: 0 });
    await expect(p).resolves.toEqual({ ok: true, result: { total: 0 } });
    expect(hp.status).toBe('connected');
    expect(port.posted[0]).toMatchObject({ v: 1, id: expect.any(String), type: 'list' });
  });

  it('refuses an invalid request locally, without sending it', async () => {
    hp.connect();
    const r = await hp.call({ type: 'pause', torrentId: 'nope' });
    expect(r).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(ports[0]!.ids('pause')).toEqual([]);
  });

  it('times out a request the host never answers', async () => {
    const p = hp.call({ type: 'get-settings' });
    vi.advanceTimersByTime(10_001);
    await expect(p).resolves.toMatchObject({ ok: false, error: { code: 'TIMEOUT' } });
  });

  it('after a drop: idempotent requests are re-sent once, others fail and are never replayed', async () => {
    hp.connect();
    const first = ports[0]!;
    first.reply(first.ids('hello')[0], hello);
    const add = hp.call({ type: 'add-torrent', data: 'ZDQ6aW5mb2Vl' });
    const rm = hp.call({ type: 'remove', torrentId: 'a'.repeat(40), deleteData: true });
    const list = hp.call({ type: 'list' });
    reason = 'Native host has exited.';
    first.drop();
    await expect(add).resolves.toMatchObject({ ok: false, error: { code: 'HOST_DISCONNECTED' } });
    await expect(rm).resolves.toMatchObject({ ok: false, error: { code: 'HOST_DISCONNECTED' } });
    expect(hp.status).toBe('disconnected');
    vi.advanceTimersByTime(1000); // backoff, then reconnect
    const second = ports[1]!;
    expect(second.posted.map((m) => m['type']).sort()).toEqual(['hello', 'list']);
    second.reply(second.ids('list')[0], { total: 3 });
    await expect(list).resolves.toEqual({ ok: true, result: { total: 3 } });
    // A second drop fails the retried request for good.
    const again = hp.call({ type: 'files', torrentId: 'b'.repeat(40) });
    second.drop();
    vi.advanceTimersByTime(2000);
    ports[2]!.drop();
    await expect(again).resolves.toMatchObject({ ok: false, error: { code: 'HOST_DISCONNECTED' } });
  });

  it('a missing host is reported as not installed and not retried in a loop', async () => {
    reason = 'Specified native messaging host not found.';
    const p = hp.call({ type: 'hello' });
    ports[0]!.drop();
    await expect(p).resolves.toMatchObject({ ok: false, error: { code: 'HOST_NOT_INSTALLED' } });
    expect(hp.status).toBe('not-installed');
    vi.advanceTimersByTime(2000);
    expect(ports).toHaveLength(1); // no automatic reconnect loop
    await hp.ensureConnected(); // a view opened within RETRY_MISSING_MS: no new attempt
    expect(ports).toHaveLength(1);
    vi.advanceTimersByTime(4000);
    const retry = hp.ensureConnected(); // later, a view opening tries again
    expect(ports).toHaveLength(2);
    ports[1]!.drop();
    await retry;
    expect(hp.status).toBe('not-installed');
  });

  it('passes valid events on and ignores malformed frames', () => {
    hp.connect();
    const port = ports[0]!;
    port.send({ v: 1, type: 'torrent-removed', torrentId: 'a'.repeat(40) });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    port.send({ v: 1, type: 'snapshot', torrents: 'nope' });
    port.send('garbage');
    warn.mockRestore();
    expect(events).toEqual([{ v: 1, type: 'torrent-removed', torrentId: 'a'.repeat(40) }]);
  });

  it('an idle disconnect closes the port and does not reconnect by itself', async () => {
    hp.connect();
    const pending: Promise<HostCallResult> = hp.call({ type: 'list' });
    hp.disconnect();
    expect(ports[0]!.disconnected).toBe(true);
    await expect(pending).resolves.toMatchObject({ ok: false });
    vi.advanceTimersByTime(60_000);
    expect(ports).toHaveLength(1);
    expect(hp.status).toBe('idle');
  });
});
