// Free loopback ports for reference peers and fake servers. A port is "free" when both a TCP
// listener and a UDP socket can bind it on 127.0.0.1 (trackers and aria2 use the same number for
// both). There is a race between closing our probe and the child binding it; helpers that start
// children retry on a bind failure, and ports come from the kernel's ephemeral range, so parallel
// test files rarely collide.

import dgram from 'node:dgram';
import net from 'node:net';

function tcpProbe(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(null));
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      const addr = srv.address();
      const got = typeof addr === 'object' && addr ? addr.port : null;
      srv.close(() => resolve(got));
    });
  });
}

function udpProbe(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.once('error', () => {
      s.close();
      resolve(false);
    });
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A port free for TCP and UDP on 127.0.0.1 right now (20 tries, then throws). */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = await tcpProbe(0);
    if (port !== null && (await udpProbe(port))) return port;
  }
  throw new Error('freePort: no port free for both TCP and UDP after 20 tries');
}

/** `n` distinct free ports. */
export async function freePorts(n: number): Promise<number[]> {
  const out = new Set<number>();
  for (let i = 0; out.size < n && i < n * 10; i++) out.add(await freePort());
  if (out.size < n) throw new Error(`freePorts: only ${out.size} of ${n}`);
  return [...out];
}

/** True once something accepts TCP connections on 127.0.0.1:port. */
export function tcpAnswers(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    const t = setTimeout(() => done(false), timeoutMs);
    function done(ok: boolean) {
      clearTimeout(t);
      s.destroy();
      resolve(ok);
    }
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}
