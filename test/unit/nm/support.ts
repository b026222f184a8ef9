// Test support for the nm host loop: frame helpers and an in-process loop over PassThrough streams.
// `StubSession` is a stand-in for the SessionApi interface that only stores summaries (no
// downloading): it lets the loop's own behaviour (validation, paging, shutdown) be tested with
// lists of any shape, e.g. 100 torrents or a 10,000-file torrent, in milliseconds.

import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { MagnetarError } from '../../../native-host/src/core/errors.ts';
import type {
  AddOptions,
  FileSummary,
  SessionApi,
  SessionEvent,
  TorrentSummary,
} from '../../../native-host/src/engine/api.ts';
import {
  HostLoop,
  type HostLoopOptions,
  type SessionOptions,
} from '../../../native-host/src/nm/host-loop.ts';

export function frame(value: unknown): Buffer {
  return rawFrame(Buffer.from(JSON.stringify(value)));
}

export function rawFrame(body: Buffer): Buffer {
  const h = Buffer.alloc(4);
  h.writeUInt32LE(body.length, 0);
  return Buffer.concat([h, body]);
}

/** Splits a byte stream into frame bodies; throws if it is not exactly a sequence of frames. */
export function splitFrames(all: Buffer): { bodies: Buffer[]; messages: Record<string, unknown>[] } {
  const bodies: Buffer[] = [];
  let at = 0;
  while (at < all.length) {
    if (all.length - at < 4) throw new Error(`stray ${all.length - at} bytes at the end of stdout`);
    const n = all.readUInt32LE(at);
    if (at + 4 + n > all.length) throw new Error('truncated frame on stdout');
    bodies.push(all.subarray(at + 4, at + 4 + n));
    at += 4 + n;
  }
  return { bodies, messages: bodies.map((b) => JSON.parse(b.toString('utf8')) as Record<string, unknown>) };
}

export function summary(i: number, over: Partial<TorrentSummary> = {}): TorrentSummary {
  const id = createHash('sha1').update(String(i)).digest('hex');
  return {
    id,
    name: `torrent ${i}`,
    size: 1_000_000 * (i + 1),
    done: 0,
    progress: 0,
    state: 'downloading',
    error: null,
    downRate: 0,
    upRate: 0,
    downloaded: 0,
    uploaded: 0,
    peers: 0,
    seeds: 0,
    eta: null,
    pieces: 10,
    piecesDone: 0,
    fileCount: 1,
    savePath: '/tmp/x',
    addedAt: 1,
    completedAt: null,
    ...over,
  };
}

export class StubSession implements SessionApi {
  readonly torrents = new Map<string, TorrentSummary>();
  readonly fileLists = new Map<string, FileSummary[]>();
  readonly calls: string[] = [];
  private readonly listeners = new Set<(e: SessionEvent) => void>();
  closed = false;

  constructor(readonly opts: SessionOptions) {}

  async addTorrentFile(bytes: Uint8Array, opts?: AddOptions): Promise<TorrentSummary> {
    this.calls.push(`add ${bytes.length} ${opts?.savePath ?? ''}`);
    const t = summary(this.torrents.size + 1000, {
      id: createHash('sha1').update(bytes).digest('hex'),
      savePath: opts?.savePath ?? this.opts.downloadRoot,
    });
    this.torrents.set(t.id, t);
    for (const l of this.listeners) l({ type: 'torrent-added', torrent: t });
    return t;
  }
  async addMagnet(): Promise<TorrentSummary> {
    throw new MagnetarError('NOT_SUPPORTED', 'magnet links are not supported yet');
  }
  list(): TorrentSummary[] {
    return [...this.torrents.values()];
  }
  get(id: string): TorrentSummary | undefined {
    return this.torrents.get(id);
  }
  files(id: string, offset: number, limit: number) {
    const all = this.fileLists.get(id) ?? [];
    return { total: all.length, files: all.slice(offset, offset + limit) };
  }
  async pause(id: string) {
    this.calls.push(`pause ${id}`);
  }
  async resume(id: string) {
    this.calls.push(`resume ${id}`);
  }
  async remove(id: string, opts: { deleteData: boolean }) {
    this.calls.push(`remove ${id} ${opts.deleteData}`);
    this.torrents.delete(id);
  }
  on(l: (e: SessionEvent) => void) {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  async close() {
    this.closed = true;
  }
}

export interface LoopHarness {
  loop: HostLoop;
  input: PassThrough;
  session: () => StubSession;
  dir: string;
  root: string;
  exit: Promise<string>;
  /** All bytes written so far, split into messages (throws if not pure frames). */
  messages(): Record<string, unknown>[];
  bodies(): Buffer[];
  /** Waits until a reply with this id (or predicate) arrives; bounded. */
  waitFor(pred: (m: Record<string, unknown>) => boolean, ms?: number): Promise<Record<string, unknown>>;
  cleanup(): void;
}

export function startLoop(
  over: Partial<HostLoopOptions> = {},
  setup?: (s: StubSession) => void,
): LoopHarness {
  const dir = mkdtempSync(join(tmpdir(), 'mg-nm-'));
  const root = join(dir, 'downloads');
  const input = new PassThrough();
  const output = new PassThrough();
  // Split output incrementally (a test re-reading 40 MB per poll would be the slow part).
  let pending: Buffer = Buffer.alloc(0);
  const bodies: Buffer[] = [];
  const messages: Record<string, unknown>[] = [];
  output.on('data', (c: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, c]) : c;
    while (pending.length >= 4 && pending.length >= 4 + pending.readUInt32LE(0)) {
      const n = pending.readUInt32LE(0);
      const body = pending.subarray(4, 4 + n);
      bodies.push(body);
      messages.push(JSON.parse(body.toString('utf8')) as Record<string, unknown>);
      pending = pending.subarray(4 + n);
    }
  });
  let stub: StubSession | null = null;
  const loop = new HostLoop({
    input,
    output,
    dataDir: join(dir, 'data'),
    defaultDownloadRoot: root,
    hostVersion: 'test',
    snapshotIntervalMs: 100,
    createSession: async (o) => {
      stub = new StubSession(o);
      setup?.(stub);
      return stub;
    },
    ...over,
  });
  const exit = loop.run();
  const all = () => {
    if (pending.length > 0 && pending.length < 4) throw new Error('stray bytes on stdout');
    return { bodies, messages };
  };
  const h: LoopHarness = {
    loop,
    input,
    dir,
    root,
    exit,
    session: () => {
      if (!stub) throw new Error('no session yet');
      return stub;
    },
    messages: () => all().messages,
    bodies: () => all().bodies,
    async waitFor(pred, ms = 5000) {
      const end = Date.now() + ms;
      while (Date.now() < end) {
        const m = all().messages.find(pred);
        if (m) return m;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error('waitFor: no matching message');
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
  return h;
}

export const byId = (id: string | null) => (m: Record<string, unknown>) =>
  m['type'] === 'reply' && m['id'] === id;
