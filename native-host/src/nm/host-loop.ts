// The native-messaging host loop: frames in from the browser, replies and events out. Everything
// outside (streams, the session factory, fetch, the folder opener) is injected, so unit tests run
// it in-process with hostile input, and host.ts wires it to stdio.
//
// Lifecycle: run() → settings loaded → session created (requests wait for it) → serve until stdin
// ends (the browser closed the port) or a fatal frame → session.close() (saves resume data) →
// output flushed → run() resolves. Nothing but frames is ever written to `output`.

import { mkdir } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import type { SessionApi, SessionEvent } from '../engine/api.ts';
import { type Fetcher, fetchTorrentUrl } from '../net/fetch-torrent.ts';
import {
  isRequestType,
  PROTOCOL_VERSION,
  RequestSchemas,
  type RequestType,
  type Settings,
  type SettingsPatch,
  type WireError,
} from '../protocol/messages.ts';
import { encodeFrame, FrameReader } from './framing.ts';
import { type HandlerContext, handlers, ReplyError, toWireError } from './handlers.ts';
import { type Logger, nullLogger } from './log.ts';
import { type FolderOpener, openFolder } from './open-folder.ts';
import { clampTorrent } from './pages.ts';
import { checkDownloadRoot } from './paths.ts';
import { defaultSettings, loadSettings, saveSettings } from './settings.ts';
import { SnapshotPublisher } from './snapshot.ts';

export interface SessionOptions {
  downloadRoot: string;
  dataDir: string;
  port?: number;
  seedAfterDownload?: boolean;
  maxPeers?: number;
  log?: Logger;
}
export type SessionFactory = (opts: SessionOptions) => Promise<SessionApi>;

export interface HostLoopOptions {
  readonly input: Readable;
  readonly output: Writable;
  readonly dataDir: string;
  readonly defaultDownloadRoot: string;
  readonly createSession: SessionFactory;
  readonly hostVersion: string;
  readonly log?: Logger;
  readonly fetchUrl?: Fetcher;
  readonly openFolder?: FolderOpener;
  readonly snapshotIntervalMs?: number;
  /** Longest wait for session.close() on shutdown before giving up (the browser kills us soon after). */
  readonly closeTimeoutMs?: number;
}

/** Requests handled at once; more get BUSY (a misbehaving caller can't queue unbounded work). */
export const MAX_IN_FLIGHT = 64;

export type ExitReason = 'eof' | 'fatal' | 'input-error';

export class HostLoop {
  private readonly reader = new FrameReader();
  private readonly inFlight = new Set<string>();
  private readonly log: Logger;
  private settingsValue: Settings;
  private sessionP: Promise<SessionApi> | null = null;
  private ready: SessionApi | null = null;
  private unsubscribe: (() => void) | null = null;
  private readonly publisher: SnapshotPublisher;
  private stopping = false;
  private largestFrame = 0;
  private done!: (r: ExitReason) => void;
  private readonly finished = new Promise<ExitReason>((r) => {
    this.done = r;
  });

  constructor(private readonly o: HostLoopOptions) {
    this.log = o.log ?? nullLogger;
    this.settingsValue = defaultSettings(o.defaultDownloadRoot);
    this.publisher = new SnapshotPublisher({
      intervalMs: o.snapshotIntervalMs ?? 1000,
      list: () => this.currentSession()?.list() ?? null,
      send: (m) => this.send(m),
      congested: () => o.output.writableLength > 4 * 1024 * 1024,
    });
    this.context = this.makeContext(o);
  }

  /** Serves until the input ends; resolves once the session is closed and output flushed. */
  async run(): Promise<ExitReason> {
    const loaded = await loadSettings(this.o.dataDir, this.settingsValue);
    if (loaded.problem) this.log.warn(loaded.problem);
    this.settingsValue = loaded.settings;
    this.startSession();
    this.o.input.on('data', (chunk: Buffer) => this.onData(chunk));
    this.o.input.once('end', () => this.onEnd());
    this.o.input.once('error', (e) => {
      this.log.error('input error', { message: e.message });
      void this.shutdown('input-error');
    });
    this.publisher.start();
    return this.finished;
  }

  private currentSession(): SessionApi | null {
    return this.ready;
  }

  private startSession(): void {
    const s = this.settingsValue;
    const p = (async () => {
      await mkdir(s.downloadRoot, { recursive: true });
      const session = await this.o.createSession({
        downloadRoot: s.downloadRoot,
        dataDir: this.o.dataDir,
        seedAfterDownload: s.seedAfterDownload,
        maxPeers: s.maxPeers,
        log: this.log,
      });
      this.unsubscribe = session.on((e) => this.onSessionEvent(e));
      this.ready = session;
      this.log.info('session ready', { torrents: session.list().length, downloadRoot: s.downloadRoot });
      this.publisher.soon();
      return session;
    })();
    p.catch((e: Error) => this.log.error('session failed to start', { message: e.message }));
    this.sessionP = p;
  }

  private async closeSession(): Promise<void> {
    const p = this.sessionP;
    this.sessionP = null;
    this.ready = null;
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (!p) return;
    const session = await p.catch(() => null);
    if (!session) return;
    const timeout = this.o.closeTimeoutMs ?? 5000;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      session.close().catch((e: Error) => this.log.error('session close failed', { message: e.message })),
      new Promise<void>((r) => {
        timer = setTimeout(() => {
          this.log.warn('session close timed out');
          r();
        }, timeout);
      }),
    ]);
    clearTimeout(timer);
  }

  private onSessionEvent(e: SessionEvent): void {
    if (e.type === 'torrent-removed') this.send({ v: PROTOCOL_VERSION, type: e.type, torrentId: e.id });
    else this.send({ v: PROTOCOL_VERSION, type: e.type, torrent: clampTorrent(e.torrent) });
    if (e.type !== 'torrent-added')
      this.log.info(e.type, { id: e.type === 'torrent-removed' ? e.id : e.torrent.id });
    this.publisher.soon();
  }

  private onData(chunk: Buffer): void {
    for (const ev of this.reader.push(chunk)) {
      if (ev.kind === 'message') this.dispatch(ev.value);
      else {
        this.log.warn('bad frame', { code: ev.code, message: ev.message });
        this.sendError(null, { code: ev.code, message: ev.message });
        if (ev.kind === 'fatal') void this.shutdown('fatal');
      }
    }
  }

  private onEnd(): void {
    const ev = this.reader.end();
    if (ev) {
      this.log.warn('bad frame', { code: ev.code, message: ev.message });
      this.sendError(null, { code: ev.code, message: ev.message });
    }
    void this.shutdown('eof');
  }

  private dispatch(value: unknown): void {
    if (this.stopping) return;
    const checked = this.validate(value);
    if ('error' in checked) {
      this.sendError(checked.id, checked.error);
      return;
    }
    const { id, type, request } = checked;
    this.inFlight.add(id);
    this.log.info('request', { id, type });
    void this.handle(type, request)
      .then((result) => this.sendReply(id, result))
      .catch((e: unknown) => {
        const err = toWireError(e);
        if (err.code === 'INTERNAL')
          this.log.error('request failed', { id, type, stack: (e as Error)?.stack });
        this.sendError(id, err);
      })
      .finally(() => this.inFlight.delete(id));
  }

  /** Envelope checks in order, so each bad frame gets the most specific code (PROTOCOL.md). */
  private validate(
    value: unknown,
  ): { id: string; type: RequestType; request: unknown } | { id: string | null; error: WireError } {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      return { id: null, error: { code: 'BAD_FRAME', message: 'a frame must be a JSON object' } };
    const msg = value as Record<string, unknown>;
    const rawId = msg['id'];
    const id = typeof rawId === 'string' && rawId.length > 0 && rawId.length <= 64 ? rawId : null;
    if (id === null) return { id: null, error: { code: 'BAD_FRAME', message: 'missing or invalid "id"' } };
    if (msg['v'] !== PROTOCOL_VERSION)
      return { id, error: { code: 'BAD_VERSION', message: `protocol version ${PROTOCOL_VERSION} expected` } };
    const type = msg['type'];
    if (!isRequestType(type))
      return { id, error: { code: 'UNKNOWN_TYPE', message: `unknown request type ${JSON.stringify(type)}` } };
    if (this.inFlight.has(id))
      return { id, error: { code: 'DUPLICATE_ID', message: 'a request with this id is in progress' } };
    if (this.inFlight.size >= MAX_IN_FLIGHT)
      return { id, error: { code: 'BUSY', message: 'too many requests in progress' } };
    const parsed = RequestSchemas[type].safeParse(value);
    if (!parsed.success) {
      const detail = parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.') || '(frame)'}: ${i.message}`)
        .join('; ');
      return { id, error: { code: 'BAD_REQUEST', message: `invalid ${type} request: ${detail}` } };
    }
    return { id, type, request: parsed.data };
  }

  private handle(type: RequestType, req: unknown): Promise<unknown> {
    const fn = handlers[type] as (r: unknown, c: HandlerContext) => Promise<unknown>;
    return fn(req, this.context);
  }

  private readonly context: HandlerContext;

  private makeContext(o: HostLoopOptions): HandlerContext {
    return {
      hostVersion: o.hostVersion,
      dataDir: o.dataDir,
      session: () => {
        if (!this.sessionP)
          return Promise.reject(new ReplyError('SESSION_UNAVAILABLE', 'the host is shutting down'));
        return this.sessionP.catch((e: Error) => {
          throw new ReplyError('SESSION_UNAVAILABLE', `the engine failed to start: ${e.message}`);
        });
      },
      settings: () => this.settingsValue,
      updateSettings: (patch) => this.updateSettings(patch),
      fetchUrl: o.fetchUrl ?? fetchTorrentUrl,
      openFolder: o.openFolder ?? openFolder,
      changed: () => this.publisher.soon(),
    };
  }

  private async updateSettings(patch: SettingsPatch): Promise<{ settings: Settings; restarted: boolean }> {
    const next: Settings = { ...this.settingsValue, ...patch };
    if (patch.downloadRoot !== undefined) {
      const root = checkDownloadRoot(patch.downloadRoot);
      if (!root.ok) throw new ReplyError('PATH_OUTSIDE_ROOT', `download folder refused: ${root.reason}`);
      next.downloadRoot = root.path;
      await mkdir(root.path, { recursive: true });
    }
    const prev = this.settingsValue;
    await saveSettings(this.o.dataDir, next);
    this.settingsValue = next;
    this.log.info('settings changed', { ...patch });
    // The session takes these at creation; a restart saves and resumes every torrent.
    const restart =
      prev.downloadRoot !== next.downloadRoot ||
      prev.maxPeers !== next.maxPeers ||
      prev.seedAfterDownload !== next.seedAfterDownload;
    if (restart && !this.stopping) {
      await this.closeSession();
      this.startSession();
      await this.sessionP?.catch(() => undefined);
    }
    return { settings: next, restarted: restart };
  }

  private sendReply(id: string, result: unknown): void {
    const frame = encodeFrame({ v: PROTOCOL_VERSION, id, type: 'reply', ok: true, result });
    if (frame.ok) this.write(frame.frame);
    else
      this.sendError(id, {
        code: 'REPLY_TOO_LARGE',
        message: `the reply would be ${frame.bytes} bytes; ask for a smaller page`,
      });
  }

  private sendError(id: string | null, error: WireError): void {
    this.send({ v: PROTOCOL_VERSION, id, type: 'reply', ok: false, error });
  }

  /** Sends one message; a frame over the limit is dropped and logged (a bug: pages prevent it). */
  private send(message: unknown): void {
    const frame = encodeFrame(message);
    if (!frame.ok) {
      this.log.error('dropped an oversized frame', { bytes: frame.bytes });
      return;
    }
    this.write(frame.frame);
  }

  private write(bytes: Uint8Array): void {
    if (this.o.output.writableEnded || this.o.output.destroyed) return;
    // Diagnostics without a line per frame: log each time the largest frame grows by 10 %.
    if (bytes.length > this.largestFrame * 1.1) {
      this.largestFrame = bytes.length;
      this.log.info('largest frame so far', { bytes: bytes.length - 4 });
    }
    this.o.output.write(bytes);
  }

  async shutdown(reason: ExitReason): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.log.info('shutting down', { reason });
    this.publisher.stop();
    this.o.input.pause();
    await this.closeSession();
    await this.flushOutput();
    this.done(reason);
  }

  private flushOutput(): Promise<void> {
    const out = this.o.output;
    if (out.writableEnded || out.destroyed) return Promise.resolve();
    return new Promise((r) => {
      const timer = setTimeout(r, 2000);
      out.end(() => {
        clearTimeout(timer);
        r();
      });
    });
  }
}
