// The only place TCP sockets are created (DESIGN §3: net/ holds every node:net import).

import net from 'node:net';
import { MagnetarError } from '../core/errors.ts';
import { CONNECT_TIMEOUT_MS } from '../core/limits.ts';

export type TcpSocket = net.Socket;

export function connectTcp(host: string, port: number, signal?: AbortSignal): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port, noDelay: true });
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
      resolve(sock);
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
