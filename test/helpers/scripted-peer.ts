// A scripted BitTorrent peer on loopback, our port of libtorrent's `fake_peer.hpp` (RELIABILITY
// (c)3: a fake stands in only to inject a fault; honest peers in the same test stay real).
//
//   const p = connectScriptedPeer({ to: { host: '127.0.0.1', port: s.port }, from: '127.0.0.2',
//     script: [handshake(ih), expectHandshake(), raw(u32(0xffffffff)), expectClose()] });
//   await p.done;                       // rejects if an expectation timed out
//   p.closedBy === 'remote'             // the engine hung up on us
//
// `listenScriptedPeer` is the same peer behind a server (the engine dials it via `extraPeers`); each
// accepted connection plays the script. Steps run in order; once the other side closes, sends are
// dropped, delays end early and every later `expect*` but `expectClose` fails. Messages the engine
// sends are decoded with the production codecs (`FrameDecoder`, permissive options) and kept in
// `received`; `responder` sees each one as it arrives (to answer requests, say).

import net from 'node:net';
import {
  decodeHandshake,
  encodeHandshake,
  encodeMessage,
  FrameDecoder,
  type Handshake,
  makePeerId,
  type PeerMessage,
} from '../../native-host/src/wire/index.ts';

export type Step =
  | { op: 'handshake'; infoHash: Uint8Array; peerId?: Uint8Array; fast: boolean; extended: boolean }
  | { op: 'expect-handshake'; timeoutMs: number }
  | { op: 'send'; message: PeerMessage }
  | { op: 'raw'; bytes: Uint8Array }
  | { op: 'delay'; ms: number }
  | { op: 'expect-message'; what: string; test: (m: PeerMessage) => boolean; timeoutMs: number }
  | { op: 'pause-reading' }
  | { op: 'call'; fn: (peer: ScriptedPeer) => void | Promise<void> }
  | { op: 'expect-close'; timeoutMs: number };

export const handshake = (
  infoHash: Uint8Array,
  opts: { peerId?: Uint8Array; fast?: boolean; extended?: boolean } = {},
): Step => ({
  op: 'handshake',
  infoHash,
  peerId: opts.peerId,
  fast: opts.fast ?? false,
  extended: opts.extended ?? false,
});
export const expectHandshake = (timeoutMs = 10_000): Step => ({ op: 'expect-handshake', timeoutMs });
export const send = (message: PeerMessage): Step => ({ op: 'send', message });
export const raw = (bytes: Uint8Array): Step => ({ op: 'raw', bytes });
export const delay = (ms: number): Step => ({ op: 'delay', ms });
/** Waits for a message from the engine (already received ones count). */
export const expectMessage = (what: string, test: (m: PeerMessage) => boolean, timeoutMs = 10_000): Step => ({
  op: 'expect-message',
  what,
  test,
  timeoutMs,
});
/** Stops reading our socket: the engine's writes back up (TCP zero window). */
export const pauseReading = (): Step => ({ op: 'pause-reading' });
export const call = (fn: (peer: ScriptedPeer) => void | Promise<void>): Step => ({ op: 'call', fn });
/** Waits until the other side closes the connection. */
export const expectClose = (timeoutMs = 10_000): Step => ({ op: 'expect-close', timeoutMs });

/** A bitfield message for `pieceCount` pieces holding those for which `has(i)` is true. */
export function bitfield(pieceCount: number, has: (i: number) => boolean = () => true): Step {
  const bits = new Uint8Array(Math.ceil(pieceCount / 8));
  for (let i = 0; i < pieceCount; i++) if (has(i)) bits[i >> 3]! |= 0x80 >> (i & 7);
  return send({ type: 'bitfield', bits });
}

/** Big-endian u32, for hand-made length prefixes. */
export function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0);
  return b;
}

export interface ScriptedPeerOptions {
  script: readonly Step[];
  /** Pieces in the torrent: the engine's bitfield must then have the exact size. */
  pieceCount?: number;
  /** Called for every message the engine sends, after it is recorded. */
  responder?: (m: PeerMessage, peer: ScriptedPeer) => void;
}

export class ScriptedPeer {
  readonly socket: net.Socket;
  readonly peerId = makePeerId();
  /** The engine's handshake, once it arrived. */
  remoteHandshake: Handshake | null = null;
  /** Every message the engine sent after its handshake, in order. */
  readonly received: PeerMessage[] = [];
  /** Set when the engine's stream did not decode (the engine sent a malformed frame). */
  decodeError: unknown = null;
  /** Who ended the connection: 'remote' is the engine. */
  closedBy: 'remote' | 'local' | null = null;
  /** Bytes we wrote before the connection closed. */
  bytesSent = 0;
  bytesReceived = 0;
  /** Resolves when the script has run; rejects if an expectation failed. */
  readonly done: Promise<void>;
  /** Resolves when the socket has closed, whoever closed it. */
  readonly closed: Promise<void>;

  private readonly opts: ScriptedPeerOptions;
  private pending = new Uint8Array(0);
  private decoder: FrameDecoder | null = null;
  private readonly wakeups = new Set<() => void>();
  private ended = false;

  constructor(socket: net.Socket, opts: ScriptedPeerOptions, connected: Promise<void>) {
    this.socket = socket;
    this.opts = opts;
    this.closed = new Promise<void>((resolve) => {
      socket.once('close', () => {
        this.ended = true;
        this.closedBy ??= 'remote';
        this.wake();
        resolve();
      });
    });
    socket.on('error', () => undefined);
    socket.on('data', (c: Buffer) => this.onData(new Uint8Array(c.buffer, c.byteOffset, c.length)));
    this.done = connected.then(() => this.run());
    // Tests await `done`; this keeps an unawaited failure from becoming an unhandled rejection.
    this.done.catch(() => undefined);
  }

  get isClosed(): boolean {
    return this.ended;
  }

  /** Writes a message now (from a responder or a `call` step); dropped once closed. */
  sendMessage(m: PeerMessage): void {
    this.write(encodeMessage(m));
  }

  write(bytes: Uint8Array): void {
    if (this.ended || this.socket.destroyed) return;
    this.bytesSent += bytes.length;
    this.socket.write(bytes);
  }

  /** Ends the connection from our side (idempotent). */
  close(): Promise<void> {
    if (!this.ended) {
      this.closedBy ??= 'local';
      this.socket.destroy();
    }
    return this.closed;
  }

  private wake(): void {
    for (const w of [...this.wakeups]) w();
  }

  /** Resolves when `ready()` is true or the connection ends; false after `ms`. */
  private until(ready: () => boolean, ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const check = () => {
        if (!ready() && !this.ended) return;
        clearTimeout(timer);
        this.wakeups.delete(check);
        resolve(ready());
      };
      const timer = setTimeout(() => {
        this.wakeups.delete(check);
        resolve(ready());
      }, ms);
      this.wakeups.add(check);
      check();
    });
  }

  private onData(chunk: Uint8Array): void {
    this.bytesReceived += chunk.length;
    try {
      if (!this.remoteHandshake) {
        const buf = new Uint8Array(this.pending.length + chunk.length);
        buf.set(this.pending);
        buf.set(chunk, this.pending.length);
        const r = decodeHandshake(buf);
        if ('need' in r) {
          this.pending = buf;
          return;
        }
        this.pending = new Uint8Array(0);
        this.remoteHandshake = r.handshake;
        this.decoder = new FrameDecoder({
          pieceCount: this.opts.pieceCount,
          fast: true,
          extended: true,
          maxBlock: 128 * 1024,
        });
        chunk = buf.subarray(r.consumed);
      }
      const d = this.decoder;
      if (!d || this.decodeError !== null) return;
      d.push(chunk);
      for (let m = d.next(); m !== null; m = d.next()) {
        this.received.push(m);
        this.opts.responder?.(m, this);
      }
    } catch (e) {
      this.decodeError = e;
    } finally {
      this.wake();
    }
  }

  private async run(): Promise<void> {
    for (const step of this.opts.script) {
      switch (step.op) {
        case 'handshake':
          this.write(
            encodeHandshake({
              infoHash: step.infoHash,
              peerId: step.peerId ?? this.peerId,
              fast: step.fast,
              extended: step.extended,
            }),
          );
          break;
        case 'expect-handshake':
          if (!(await this.until(() => this.remoteHandshake !== null, step.timeoutMs)))
            throw new Error(
              `no handshake from the engine within ${step.timeoutMs} ms (closed: ${this.ended})`,
            );
          break;
        case 'send':
          this.write(encodeMessage(step.message));
          break;
        case 'raw':
          this.write(step.bytes);
          break;
        case 'delay':
          await this.until(() => false, step.ms);
          break;
        case 'expect-message':
          if (!(await this.until(() => this.received.some(step.test), step.timeoutMs)))
            throw new Error(
              `no ${step.what} from the engine within ${step.timeoutMs} ms (closed: ${this.ended})`,
            );
          break;
        case 'pause-reading':
          this.socket.pause();
          break;
        case 'call':
          await step.fn(this);
          break;
        case 'expect-close':
          if (!(await this.until(() => this.ended, step.timeoutMs)))
            throw new Error(`the engine kept the connection open for ${step.timeoutMs} ms`);
          break;
      }
    }
  }
}

const open = new Set<{ close(): Promise<void> }>();

/** Connects to `to` from the loopback address `from` (bans are per IP) and plays the script. */
export function connectScriptedPeer(
  opts: ScriptedPeerOptions & { to: { host: string; port: number }; from?: string },
): ScriptedPeer {
  const socket = net.connect({
    host: opts.to.host,
    port: opts.to.port,
    localAddress: opts.from ?? '127.0.0.2',
  });
  const connected = new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  const peer = new ScriptedPeer(socket, opts, connected);
  open.add(peer);
  return peer;
}

export interface ScriptedServer {
  readonly host: string;
  readonly port: number;
  /** Every connection accepted so far, in order. */
  readonly peers: ScriptedPeer[];
  close(): Promise<void>;
}

/** A listening scripted peer on `host` (default 127.0.0.3); each accepted connection plays the script. */
export async function listenScriptedPeer(
  opts: ScriptedPeerOptions & { host?: string },
): Promise<ScriptedServer> {
  const host = opts.host ?? '127.0.0.3';
  const peers: ScriptedPeer[] = [];
  const server = net.createServer((sock) => {
    peers.push(new ScriptedPeer(sock, opts, Promise.resolve()));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const addr = server.address() as net.AddressInfo;
  const handle: ScriptedServer = {
    host,
    port: addr.port,
    peers,
    close: async () => {
      open.delete(handle);
      await Promise.all(peers.map((p) => p.close()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  open.add(handle);
  return handle;
}

export interface Relay {
  readonly host: string;
  readonly port: number;
  /** Connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

/**
 * A plain TCP relay on `host` to whatever `target()` names when a connection arrives: it changes no
 * byte, it only lets a test count connections (a session dialling itself through another address).
 */
export async function startRelay(opts: {
  host: string;
  target: () => { host: string; port: number };
}): Promise<Relay> {
  const sockets = new Set<net.Socket>();
  let count = 0;
  const server = net.createServer((inbound) => {
    count++;
    const outbound = net.connect(opts.target());
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.once('close', () => {
        sockets.delete(s);
        inbound.destroy();
        outbound.destroy();
      });
    }
    inbound.pipe(outbound);
    outbound.pipe(inbound);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, opts.host, () => resolve());
  });
  const addr = server.address() as net.AddressInfo;
  const relay: Relay = {
    host: opts.host,
    port: addr.port,
    connections: () => count,
    close: async () => {
      open.delete(relay);
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  open.add(relay);
  return relay;
}

/** Closes every scripted peer, server and relay still open (call in afterEach). */
export async function closeScriptedPeers(): Promise<void> {
  const all = [...open];
  open.clear();
  await Promise.all(all.map((x) => x.close()));
}
