// One peer's TCP stream after the handshake: frames in through the bounded decoder, messages out
// with write backpressure, keep-alives, and an idle timeout. It knows nothing of pieces; the
// torrent decides what messages mean.

import type { Duplex } from 'node:stream';
import { MagnetarError } from '../core/errors.ts';
import { KEEPALIVE_INTERVAL_MS, MAX_PEER_FRAME_BYTES, PEER_IDLE_TIMEOUT_MS } from '../core/limits.ts';
import { RateMeter } from '../core/rate.ts';
import { encodeMessage, encodePieceHeader, FrameDecoder, type PeerMessage } from '../wire/index.ts';

export interface PeerConnectionHandlers {
  onMessage(m: PeerMessage): void;
  onClose(err: MagnetarError | null): void;
  /** The socket's send buffer drained below the high mark. */
  onDrain?(): void;
}

export class PeerConnection {
  readonly socket: Duplex;
  readonly remote: string;
  readonly down = new RateMeter();
  readonly up = new RateMeter();
  private readonly decoder: FrameDecoder;
  private handlers: PeerConnectionHandlers | null = null;
  private closed = false;
  private lastRecv = Date.now();
  private lastSend = Date.now();
  private timer: NodeJS.Timeout | null = null;
  private readPaused = false;
  private readonly pending: Uint8Array[] = [];

  constructor(
    socket: Duplex,
    remote: string,
    initial: Uint8Array,
    pieceCount: number | undefined,
    negotiated: { fast: boolean; extended: boolean },
  ) {
    this.socket = socket;
    this.remote = remote;
    // Fast (BEP 6) and extension (BEP 10) messages are legal only when both sides set the bit.
    this.decoder = new FrameDecoder({ maxFrame: MAX_PEER_FRAME_BYTES, pieceCount, ...negotiated });
    if (initial.length > 0) this.pending.push(initial);
  }

  /** Starts reading; messages before this call (already in `initial`) are delivered first. */
  start(handlers: PeerConnectionHandlers): void {
    this.handlers = handlers;
    this.socket.on('data', (chunk: Uint8Array) => this.onData(chunk));
    this.socket.on('error', (e: Error) =>
      this.close(new MagnetarError('PEER_CLOSED', `${this.remote}: ${e.message}`)),
    );
    this.socket.on('close', () =>
      this.close(new MagnetarError('PEER_CLOSED', `${this.remote} closed the connection`)),
    );
    this.socket.on('drain', () => this.handlers?.onDrain?.());
    this.timer = setInterval(() => this.tick(), 5_000);
    this.timer.unref();
    for (const c of this.pending.splice(0)) this.onData(c);
    // The handshake reader paused the socket explicitly; a 'data' listener alone won't resume it.
    if (!this.readPaused) this.socket.resume();
  }

  private onData(chunk: Uint8Array): void {
    if (this.closed) return;
    this.lastRecv = Date.now();
    try {
      this.decoder.push(chunk);
      for (let m = this.decoder.next(); m !== null; m = this.decoder.next()) {
        if (m.type === 'piece') this.down.add(m.block.length);
        this.handlers!.onMessage(m);
        if (this.closed) return;
      }
    } catch (e) {
      this.close(
        e instanceof MagnetarError ? e : new MagnetarError('PEER_PROTOCOL', `${this.remote}: ${String(e)}`),
      );
    }
  }

  private tick(): void {
    const now = Date.now();
    if (now - this.lastRecv > PEER_IDLE_TIMEOUT_MS) {
      this.close(
        new MagnetarError('PEER_TIMEOUT', `${this.remote} idle for ${PEER_IDLE_TIMEOUT_MS / 1000} s`),
      );
      return;
    }
    if (now - this.lastSend > KEEPALIVE_INTERVAL_MS) this.send({ type: 'keep-alive' });
  }

  setPieceCount(n: number): void {
    this.decoder.setPieceCount(n);
  }

  /** Bytes queued in the socket but not yet sent. */
  get sendBuffered(): number {
    return (this.socket as Duplex & { writableLength: number }).writableLength;
  }

  send(m: PeerMessage): void {
    if (this.closed) return;
    this.lastSend = Date.now();
    this.socket.write(encodeMessage(m));
  }

  /** Piece messages are written as header + block so the block is never copied. */
  sendPiece(index: number, begin: number, block: Uint8Array): void {
    if (this.closed) return;
    this.lastSend = Date.now();
    this.socket.write(encodePieceHeader(index, begin, block.length));
    this.socket.write(block);
    this.up.add(block.length);
  }

  /** Stops reading from the socket (disk backpressure); TCP flow control slows the peer. */
  pauseReading(paused: boolean): void {
    if (paused === this.readPaused || this.closed) return;
    this.readPaused = paused;
    if (paused) this.socket.pause();
    else this.socket.resume();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(err: MagnetarError | null = null): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.socket.destroy();
    const h = this.handlers;
    this.handlers = null;
    h?.onClose(err);
  }
}
