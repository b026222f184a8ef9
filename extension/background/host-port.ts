// The one native-messaging port to the host (DESIGN §1–2). Requests are matched to replies by id
// and each has a timeout. When the port drops (host crash, browser killed it, service worker
// restart) pending requests fail with HOST_DISCONNECTED — except idempotent ones (list, pause…),
// which are re-sent once on the next connection. Non-idempotent commands (add, remove, settings)
// are never replayed: the host may already have carried them out (RELIABILITY N79).

import {
  type AnyRequestBody,
  HOST_NAME,
  type HostEvent,
  HostMessageSchema,
  IDEMPOTENT_REQUESTS,
  PROTOCOL_VERSION,
  RequestSchemas,
  type RequestType,
  type WireError,
} from '../../native-host/src/protocol/index.ts';
import type { HostCallResult, HostStatus } from '../lib/messages.ts';

/** Per request type; adds wait for a fetch and a parse, the rest answer from memory. */
const TIMEOUT_MS: Partial<Record<RequestType, number>> = {
  'add-url': 45_000,
  'add-torrent': 30_000,
  'add-magnet': 30_000,
  remove: 30_000,
  'set-settings': 30_000,
};
const DEFAULT_TIMEOUT_MS = 10_000;
const RECONNECT_MIN_MS = 1_000;
const RECONNECT_MAX_MS = 30_000;
const RETRY_MISSING_MS = 5_000;

interface Pending {
  readonly body: AnyRequestBody;
  readonly resolve: (r: HostCallResult) => void;
  timer: ReturnType<typeof setTimeout>;
  resent: boolean;
}

/** The slice of runtime.Port we use (injected, so the reconnect logic is unit-tested in Node). */
export interface NativePort {
  postMessage(m: unknown): void;
  disconnect(): void;
  onMessage: { addListener(cb: (m: unknown) => void): void };
  onDisconnect: { addListener(cb: (p: NativePort) => void): void };
}

export interface HostPortEvents {
  onEvent(e: HostEvent): void;
  onStatus(status: HostStatus, message: string | null): void;
  /** The host answered `hello` on a new connection. */
  onConnected(hello: unknown): void;
  /** `runtime.connectNative` (throws if the API refuses). */
  connectNative(name: string): NativePort;
  /** Why a port closed: runtime.lastError in Chrome, port.error in Firefox. */
  disconnectReason(port: NativePort): string | null;
}

export class HostPort {
  status: HostStatus = 'idle';
  statusMessage: string | null = null;
  private port: NativePort | null = null;
  private readonly pending = new Map<string, Pending>();
  private counter = 0;
  private backoff = RECONNECT_MIN_MS;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  /** Set by an explicit idle disconnect: no automatic reconnect. */
  private parked = false;

  constructor(private readonly ev: HostPortEvents) {}

  get connected(): boolean {
    return this.port !== null;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  connect(): void {
    if (this.port) return;
    this.parked = false;
    this.lastAttemptAt = Date.now();
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.setStatus('connecting', null);
    let port: NativePort;
    try {
      port = this.ev.connectNative(HOST_NAME);
    } catch (e) {
      this.onDisconnect(null, (e as Error).message);
      return;
    }
    this.port = port;
    port.onMessage.addListener((m: unknown) => this.onMessage(m));
    port.onDisconnect.addListener((p) => this.onDisconnect(port, this.ev.disconnectReason(p)));
    // Requests made while disconnected (or kept for one retry) go out first.
    for (const [id, p] of this.pending) this.post(id, p.body);
    // The first reply proves the host really runs (connectNative succeeds before it starts).
    void this.call({ type: 'hello', client: 'magnetar-extension' }).then((r) => {
      if (r.ok && this.port === port) {
        this.backoff = RECONNECT_MIN_MS;
        this.setStatus('connected', null);
        this.ev.onConnected(r.result);
      }
    });
  }

  private lastAttemptAt = 0;
  private statusWaiters: (() => void)[] = [];

  /**
   * For a view opening (popup, options): connect if needed and wait briefly for the outcome, so
   * the view shows "connected" or "not installed" rather than a transient "connecting". A host
   * known to be missing is retried at most every RETRY_MISSING_MS.
   */
  async ensureConnected(waitMs = 1500): Promise<void> {
    if (this.port && this.status === 'connected') return;
    const missing = this.status === 'not-installed' || this.status === 'forbidden';
    if (missing && Date.now() - this.lastAttemptAt < RETRY_MISSING_MS) return;
    if (!this.port) this.connect();
    if (this.status !== 'connecting') return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, waitMs);
      this.statusWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Closes the port on purpose (nothing left to do); the host saves and exits. */
  disconnect(): void {
    this.parked = true;
    const port = this.port;
    this.port = null;
    port?.disconnect();
    this.failPending({ code: 'HOST_DISCONNECTED', message: 'disconnected' }, false);
    this.setStatus('idle', null);
  }

  call(body: AnyRequestBody): Promise<HostCallResult> {
    const id = `${Date.now().toString(36)}-${(++this.counter).toString(36)}`;
    const check = RequestSchemas[body.type].safeParse({ ...body, v: PROTOCOL_VERSION, id });
    if (!check.success)
      return Promise.resolve({
        ok: false,
        error: { code: 'BAD_REQUEST', message: check.error.issues[0]?.message ?? 'invalid' },
      });
    return new Promise<HostCallResult>((resolve) => {
      const timer = setTimeout(
        () => this.settle(id, { ok: false, error: timeoutError(body.type) }),
        timeoutFor(body.type),
      );
      this.pending.set(id, { body, resolve, timer, resent: false });
      if (this.port) this.post(id, body);
      else if (this.status !== 'connecting') this.connect();
    });
  }

  private post(id: string, body: AnyRequestBody): void {
    try {
      this.port?.postMessage({ ...body, v: PROTOCOL_VERSION, id });
    } catch (e) {
      this.settle(id, { ok: false, error: { code: 'HOST_DISCONNECTED', message: (e as Error).message } });
    }
  }

  private settle(id: string, r: HostCallResult): void {
    const p = this.pending.get(id);
    if (!p) return;
    clearTimeout(p.timer);
    this.pending.delete(id);
    p.resolve(r);
  }

  private onMessage(raw: unknown): void {
    const parsed = HostMessageSchema.safeParse(raw);
    if (!parsed.success) {
      console.warn('magnetar: ignoring an invalid host message', parsed.error.issues[0]);
      return;
    }
    const m = parsed.data;
    if (m.type === 'reply') {
      if (m.id === null) {
        console.warn('magnetar: host reported', m.ok ? '' : m.error);
        return;
      }
      this.settle(m.id, m.ok ? { ok: true, result: m.result } : { ok: false, error: m.error as WireError });
      return;
    }
    this.ev.onEvent(m);
  }

  private onDisconnect(port: NativePort | null, reason: string | null): void {
    if (port !== null && this.port !== port) return; // an old port we already replaced
    this.port = null;
    const msg = reason ?? 'the host exited';
    if (/not found|no such native application/i.test(msg)) {
      this.setStatus('not-installed', msg);
      this.failPending({ code: 'HOST_NOT_INSTALLED', message: msg }, false);
      return; // reconnect only on demand (the next call or popup open)
    }
    if (/forbidden/i.test(msg)) {
      this.setStatus('forbidden', msg);
      this.failPending({ code: 'HOST_NOT_INSTALLED', message: msg }, false);
      return;
    }
    this.setStatus('disconnected', msg);
    this.failPending({ code: 'HOST_DISCONNECTED', message: msg }, true);
    if (!this.parked) this.scheduleReconnect();
  }

  /** Rejects what can't be retried; keeps idempotent requests (once) for the next connection. */
  private failPending(error: WireError, keepIdempotent: boolean): void {
    for (const [id, p] of [...this.pending]) {
      if (keepIdempotent && !p.resent && IDEMPOTENT_REQUESTS.has(p.body.type) && p.body.type !== 'hello') {
        p.resent = true;
        continue;
      }
      this.settle(id, { ok: false, error });
    }
  }

  private scheduleReconnect(): void {
    if (this.reconnectTimer) return;
    const wait = this.backoff;
    this.backoff = Math.min(this.backoff * 2, RECONNECT_MAX_MS);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect();
    }, wait);
  }

  private setStatus(s: HostStatus, message: string | null): void {
    this.status = s;
    this.statusMessage = message;
    if (s !== 'connecting') for (const w of this.statusWaiters.splice(0)) w();
    this.ev.onStatus(s, message);
  }
}

function timeoutFor(type: RequestType): number {
  return TIMEOUT_MS[type] ?? DEFAULT_TIMEOUT_MS;
}

function timeoutError(type: RequestType): WireError {
  return {
    code: 'TIMEOUT',
    message: `the host did not answer "${type}" within ${timeoutFor(type) / 1000} s`,
  };
}
