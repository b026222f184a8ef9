// UDP sockets (DESIGN §3: net/ holds every node:dgram import). Thin on purpose: the UDP tracker
// client declares the `DatagramSocket` shape it needs, and tests may hand it a fake.

import dgram from 'node:dgram';
import { lookup } from 'node:dns/promises';

export interface Datagram {
  data: Uint8Array;
  address: string;
  port: number;
}

export interface DatagramSocket {
  send(data: Uint8Array, port: number, address: string): Promise<void>;
  /** Only one listener; datagrams arrive until `close()`. */
  onMessage(fn: (d: Datagram) => void): void;
  close(): void;
}

/** An unbound socket of the given family; the OS binds an ephemeral port on the first send. */
export function createDatagramSocket(family: 4 | 6): DatagramSocket {
  const sock = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
  let closed = false;
  // A socket error (e.g. ICMP unreachable surfaced on some OSes) must never become an uncaught
  // exception; the transaction timeouts in the client handle the loss.
  sock.on('error', () => {});
  return {
    send: (data, port, address) =>
      new Promise((resolve, reject) => {
        if (closed) return reject(new Error('socket closed'));
        sock.send(data, port, address, (err) => (err ? reject(err) : resolve()));
      }),
    onMessage: (fn) => {
      sock.on('message', (msg, rinfo) =>
        fn({
          data: new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength),
          address: rinfo.address,
          port: rinfo.port,
        }),
      );
    },
    close: () => {
      if (closed) return;
      closed = true;
      try {
        sock.close();
      } catch {
        // not yet bound (never sent): nothing to release
      }
    },
  };
}

/** Resolves a tracker host to one address (IP literals are returned as they are). */
export async function resolveHost(host: string): Promise<{ address: string; family: 4 | 6 }> {
  const r = await lookup(host.startsWith('[') ? host.slice(1, -1) : host);
  return { address: r.address, family: r.family === 6 ? 6 : 4 };
}
