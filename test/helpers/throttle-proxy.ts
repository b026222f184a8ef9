// A userland TCP proxy on loopback that slows a real peer down (netem is not available in this
// kernel, RELIABILITY (c)5). Bytes are forwarded unchanged at up to `bytesPerSec` each way.

import net from 'node:net';

export interface ThrottleProxy {
  readonly port: number;
  close(): Promise<void>;
}

export async function startThrottleProxy(
  target: { host: string; port: number },
  bytesPerSec: number,
): Promise<ThrottleProxy> {
  const sockets = new Set<net.Socket>();
  const pipe = (from: net.Socket, to: net.Socket) => {
    // Token bucket refilled every 50 ms; reading pauses while the bucket is empty.
    let tokens = bytesPerSec / 20;
    const queue: Buffer[] = [];
    const timer = setInterval(() => {
      tokens = Math.min(bytesPerSec / 4, tokens + bytesPerSec / 20);
      flush();
    }, 50);
    const flush = () => {
      while (queue.length > 0 && tokens > 0) {
        const head = queue[0]!;
        const n = Math.min(head.length, Math.floor(tokens));
        if (n <= 0) break;
        to.write(head.subarray(0, n));
        tokens -= n;
        if (n === head.length) queue.shift();
        else queue[0] = head.subarray(n);
      }
      if (queue.length === 0) from.resume();
    };
    from.on('data', (c: Buffer) => {
      queue.push(c);
      from.pause();
      flush();
    });
    const end = () => {
      clearInterval(timer);
      to.destroy();
    };
    from.on('close', end);
    from.on('error', end);
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    sockets.add(client);
    sockets.add(upstream);
    client.on('close', () => sockets.delete(client));
    upstream.on('close', () => sockets.delete(upstream));
    pipe(client, upstream);
    pipe(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
