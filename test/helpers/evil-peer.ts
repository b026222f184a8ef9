// A scripted peer that lies (RELIABILITY (c)3: a fake stands in only to inject a fault). It claims
// every piece, unchokes, and answers each request with bytes that fail the piece hash. Honest peers
// in the same tests are real (aria2, a Magnetar seeder).

import net from 'node:net';
import {
  decodeHandshake,
  encodeHandshake,
  encodeMessage,
  FrameDecoder,
  makePeerId,
} from '../../native-host/src/wire/index.ts';

export interface EvilPeer {
  readonly host: string;
  readonly port: number;
  /** Blocks sent so far. */
  readonly blocksSent: () => number;
  /** Connections that were opened to it, and how many of them the other side closed. */
  readonly connections: () => number;
  close(): Promise<void>;
}

export async function startEvilPeer(opts: {
  infoHash: Uint8Array;
  pieceCount: number;
  host?: string;
}): Promise<EvilPeer> {
  const host = opts.host ?? '127.0.0.2';
  const peerId = makePeerId();
  let blocks = 0;
  let conns = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    conns++;
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => undefined);
    let shook = false;
    let pending = new Uint8Array(0);
    const decoder = new FrameDecoder({ pieceCount: opts.pieceCount, fast: false, extended: false });
    sock.on('data', (chunk: Buffer) => {
      try {
        if (!shook) {
          const buf = new Uint8Array(pending.length + chunk.length);
          buf.set(pending);
          buf.set(chunk, pending.length);
          const r = decodeHandshake(buf);
          if ('need' in r) {
            pending = buf;
            return;
          }
          shook = true;
          sock.write(encodeHandshake({ infoHash: opts.infoHash, peerId }));
          const all = new Uint8Array(Math.ceil(opts.pieceCount / 8));
          for (let i = 0; i < opts.pieceCount; i++) all[i >> 3]! |= 0x80 >> (i & 7);
          sock.write(encodeMessage({ type: 'bitfield', bits: all }));
          sock.write(encodeMessage({ type: 'unchoke' }));
          decoder.push(buf.subarray(r.consumed));
        } else {
          decoder.push(new Uint8Array(chunk));
        }
        for (let m = decoder.next(); m; m = decoder.next()) {
          if (m.type !== 'request') continue;
          const junk = new Uint8Array(m.length).fill(0xa5 ^ (blocks & 0xff));
          blocks++;
          sock.write(encodeMessage({ type: 'piece', index: m.index, begin: m.begin, block: junk }));
        }
      } catch {
        sock.destroy();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const addr = server.address() as net.AddressInfo;
  return {
    host,
    port: addr.port,
    blocksSent: () => blocks,
    connections: () => conns,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
