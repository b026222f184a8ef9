// The only place TCP sockets are created (DESIGN §3: net/ holds every node:net import).

import net from 'node:net';
import { MagnetarError } from '../core/errors.ts';
import { CONNECT_TIMEOUT_MS } from '../core/limits.ts';

export type TcpSocket = net.Socket;

/** Bytes per socket read. One buffer per outgoing socket, reused for every read. */
const READ_BUFFER_BYTES = 256 * 1024;

/**
 * A socket plus one place its bytes go. Outgoing sockets read into a reused buffer (Node's
 * `onread`), so a download does not allocate a fresh chunk per read — at hundreds of MB/s those
 * dead chunks were most of our memory. The chunk handed to the reader is valid only during the
 * call: a reader that keeps bytes must copy them.
 */
export interface TcpConn {
  readonly socket: net.Socket;
  /** Where chunks go from now on; null holds them (copied) until a reader is set. */
  setReader(reader: ((chunk: Uint8Array) => void) | null): void;
}

class ConnImpl implements TcpConn {
  private reader: ((chunk: Uint8Array) => void) | null = null;
  private held: Uint8Array[] = [];

  constructor(readonly socket: net.Socket) {}

  deliver(chunk: Uint8Array): void {
    if (this.reader) this.reader(chunk);
    else this.held.push(chunk.slice());
  }

  setReader(reader: ((chunk: Uint8Array) => void) | null): void {
    this.reader = reader;
    if (!reader) return;
    const held = this.held;
    this.held = [];
    for (const c of held) {
      if (this.reader !== reader) {
        this.held.push(c);
        continue;
      }
      reader(c);
    }
  }
}

/** Wraps an accepted socket (servers cannot use `onread`); its chunks are fresh, which is fine. */
export function wrapSocket(socket: net.Socket): TcpConn {
  const conn = new ConnImpl(socket);
  socket.on('data', (c: Buffer) => conn.deliver(c));
  return conn;
}

export function connectTcp(host: string, port: number, signal?: AbortSignal): Promise<TcpConn> {
  return new Promise((resolve, reject) => {
    let conn: ConnImpl | null = null;
    const sock = net.connect({
      host,
      port,
      noDelay: true,
      onread: {
        buffer: Buffer.allocUnsafe(READ_BUFFER_BYTES),
        callback: (n: number, buf: Uint8Array) => {
          conn?.deliver(buf.subarray(0, n));
          return true;
        },
      },
    });
    conn = new ConnImpl(sock);
    const timer = setTimeout(
      () => fail(new MagnetarError('PEER_TIMEOUT', `connect to ${host}:${port} timed out`)),
      CONNECT_TIMEOUT_MS,
    );
    const onAbort = () => fail(new MagnetarError('ABORTED', 'aborted'));
    signal?.addEventListener('abort', onAbort, { once: true });
    function cleanup() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      sock.removeListener('error', fail);
      sock.removeListener('connect', ok);
    }
    function fail(e: Error) {
      cleanup();
      sock.destroy();
      reject(
        e instanceof MagnetarError
          ? e
          : new MagnetarError('PEER_CLOSED', `connect to ${host}:${port}: ${e.message}`),
      );
    }
    function ok() {
      cleanup();
      resolve(conn!);
    }
    sock.once('error', fail);
    sock.once('connect', ok);
  });
}

export interface TcpListener {
  readonly port: number;
  close(): Promise<void>;
}

/** Listens on `port` (0 = any free port); falls back to a free port when `port` is taken. */
export async function listenTcp(
  port: number,
  host: string | undefined,
  onConnection: (s: net.Socket) => void,
): Promise<TcpListener> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ noDelay: true }, (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
    onConnection(s);
  });
  server.maxConnections = 1000;
  const tryListen = (p: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(p, host, () => {
        server.removeListener('error', reject);
        resolve();
      });
    });
  try {
    await tryListen(port);
  } catch (e) {
    if (port === 0 || (e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
    await tryListen(0);
  }
  const addr = server.address();
  const bound = typeof addr === 'object' && addr ? addr.port : port;
  return {
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
