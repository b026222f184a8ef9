// Fake trackers on 127.0.0.1:0 that inject faults (RELIABILITY (c)3). Honest trackers in these
// tests are the real opentracker; these exist only to misbehave on purpose.

import dgram from 'node:dgram';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { encode } from '../../../native-host/src/bencode/index.ts';

export interface FakeHttp {
  port: number;
  /** `http://127.0.0.1:PORT{path}` */
  url(path?: string): string;
  /** Every request URL (path + query) received, in order. */
  requests: string[];
  /** Request headers of the last request. */
  lastHeaders: http.IncomingHttpHeaders | undefined;
  close(): Promise<void>;
}

export async function startFakeHttp(
  handler: (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void,
): Promise<FakeHttp> {
  const requests: string[] = [];
  const state: { lastHeaders: http.IncomingHttpHeaders | undefined } = { lastHeaders: undefined };
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    state.lastHeaders = req.headers;
    // A client that hangs up mid-response must not crash the fake.
    res.on('error', () => {});
    handler(req, res, requests.length);
  });
  server.on('clientError', (_e, sock) => sock.destroy());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: (path = '/announce') => `http://127.0.0.1:${port}${path}`,
    requests,
    get lastHeaders() {
      return state.lastHeaders;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A bencoded announce answer with compact IPv4 peers. */
export function announceBody(
  peers: [string, number][] = [],
  extra: Record<string, unknown> = {},
): Uint8Array {
  const compact = new Uint8Array(peers.length * 6);
  peers.forEach(([ip, port], i) => {
    compact.set([...ip.split('.').map(Number), port >> 8, port & 0xff], i * 6);
  });
  return encode({ interval: 1800, complete: 1, incomplete: 1, peers: compact, ...(extra as object) });
}

/** Query parameter (first occurrence) of a recorded request URL, raw (still percent-encoded). */
export function queryParam(path: string, key: string): string | undefined {
  const q = path.slice(path.indexOf('?') + 1).split('&');
  return q.find((p) => p.startsWith(`${key}=`))?.slice(key.length + 1);
}

export interface FakeUdp {
  port: number;
  url(path?: string): string;
  socket: dgram.Socket;
  /** Datagrams received, in order. */
  received: Uint8Array[];
  close(): Promise<void>;
}

export async function startFakeUdp(
  handler: (msg: Uint8Array, rinfo: dgram.RemoteInfo, sock: dgram.Socket, n: number) => void,
): Promise<FakeUdp> {
  const socket = dgram.createSocket('udp4');
  const received: Uint8Array[] = [];
  socket.on('message', (msg, rinfo) => {
    received.push(new Uint8Array(msg));
    handler(new Uint8Array(msg), rinfo, socket, received.length);
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  const port = socket.address().port;
  return {
    port,
    url: (path = '/announce') => `udp://127.0.0.1:${port}${path}`,
    socket,
    received,
    close: () => new Promise<void>((r) => socket.close(() => r())),
  };
}

const dv = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

/** Action and transaction id of a BEP 15 request (connect requests have the action at 8). */
export function udpRequest(b: Uint8Array): { action: number; tid: number; connectionId: bigint } {
  return { connectionId: dv(b).getBigUint64(0), action: dv(b).getUint32(8), tid: dv(b).getUint32(12) };
}

export function connectReply(tid: number, connectionId: bigint): Uint8Array {
  const b = new Uint8Array(16);
  dv(b).setUint32(0, 0);
  dv(b).setUint32(4, tid);
  dv(b).setBigUint64(8, connectionId);
  return b;
}

export function announceReply(tid: number, peers: [string, number][] = [], interval = 1800): Uint8Array {
  const b = new Uint8Array(20 + peers.length * 6);
  dv(b).setUint32(0, 1);
  dv(b).setUint32(4, tid);
  dv(b).setUint32(8, interval);
  dv(b).setUint32(12, 0);
  dv(b).setUint32(16, peers.length);
  peers.forEach(([ip, port], i) => {
    b.set([...ip.split('.').map(Number), port >> 8, port & 0xff], 20 + i * 6);
  });
  return b;
}

export function errorReply(tid: number, message: string): Uint8Array {
  const m = new TextEncoder().encode(message);
  const b = new Uint8Array(8 + m.length);
  dv(b).setUint32(0, 3);
  dv(b).setUint32(4, tid);
  b.set(m, 8);
  return b;
}
