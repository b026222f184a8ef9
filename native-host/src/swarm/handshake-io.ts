// Reading a BEP 3 handshake off a fresh socket, with a deadline. Outgoing connections send theirs
// first; incoming ones are read first so the session can find the torrent by info-hash.

import { MagnetarError } from '../core/errors.ts';
import { concatBytes } from '../core/hex.ts';
import { HANDSHAKE_TIMEOUT_MS } from '../core/limits.ts';
import type { TcpConn } from '../net/tcp.ts';
import { decodeHandshake, type Handshake } from '../wire/index.ts';

export interface ReadHandshake {
  readonly handshake: Handshake;
  /** Bytes that arrived after the handshake (often a bitfield): hand them to the decoder. */
  readonly rest: Uint8Array;
}

export function readHandshake(conn: TcpConn, remote: string, signal?: AbortSignal): Promise<ReadHandshake> {
  const socket = conn.socket;
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    let size = 0;
    const timer = setTimeout(
      () =>
        fail(
          new MagnetarError(
            'PEER_TIMEOUT',
            `${remote}: no handshake within ${HANDSHAKE_TIMEOUT_MS / 1000} s`,
          ),
        ),
      HANDSHAKE_TIMEOUT_MS,
    );
    const onAbort = () => fail(new MagnetarError('ABORTED', 'aborted'));
    signal?.addEventListener('abort', onAbort, { once: true });
    function cleanup() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      conn.setReader(null);
      socket.removeListener('error', onError);
      socket.removeListener('close', onClose);
    }
    function fail(e: MagnetarError) {
      cleanup();
      socket.destroy();
      reject(e);
    }
    function onError(e: Error) {
      fail(new MagnetarError('PEER_CLOSED', `${remote}: ${e.message}`));
    }
    function onClose() {
      fail(new MagnetarError('PEER_HANDSHAKE', `${remote} closed before the handshake`));
    }
    function onData(chunk: Uint8Array) {
      // The chunk may be a reused read buffer: keep a copy.
      chunks.push(chunk.slice());
      size += chunk.length;
      // A handshake is 68 bytes; anything much larger before it completes is garbage.
      if (size > 64 * 1024)
        return fail(new MagnetarError('PEER_HANDSHAKE', `${remote}: oversized handshake`));
      const buf = chunks.length === 1 ? chunks[0]! : concatBytes(chunks);
      let r: ReturnType<typeof decodeHandshake>;
      try {
        r = decodeHandshake(buf);
      } catch (e) {
        return fail(
          e instanceof MagnetarError ? e : new MagnetarError('PEER_HANDSHAKE', `${remote}: ${String(e)}`),
        );
      }
      if ('need' in r) {
        chunks.length = 0;
        chunks.push(buf);
        return;
      }
      // Stop reading until the connection takes over; bytes in between are held by the conn.
      socket.pause();
      cleanup();
      resolve({ handshake: r.handshake, rest: buf.subarray(r.consumed) });
    }
    conn.setReader(onData);
    socket.once('error', onError);
    socket.once('close', onClose);
  });
}
