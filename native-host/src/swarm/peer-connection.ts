// One peer's TCP stream after the handshake: frames in through the bounded decoder, messages out
// with write backpressure, keep-alives, and an idle timeout. It knows nothing of pieces; the
// torrent decides what messages mean.

import type { Socket } from 'node:net';
import { MagnetarError } from '../core/errors.ts';
import { KEEPALIVE_INTERVAL_MS, MAX_PEER_FRAME_BYTES, PEER_IDLE_TIMEOUT_MS } from '../core/limits.ts';
import { RateMeter } from '../core/rate.ts';
import type { TcpConn } from '../net/tcp.ts';
import { encodeMessage, encodePieceHeader, FrameDecoder, type PeerMessage } from '../wire/index.ts';

const EMPTY = new Uint8Array(0);
/** A read chunk (64 KiB) plus a partial piece frame fits without growing. */
const CARRY_MIN = 128 * 1024;

export interface PeerConnectionHandlers {
  onMessage(m: PeerMessage): void;
  onClose(err: MagnetarError | null): void;
  /** The socket's send buffer drained below the high mark. */
  onDrain?(): void;
}

export class PeerConnection {
  readonly socket: Socket;
  private readonly conn: TcpConn;
  /**
   * Two owned buffers that hold the decoder's leftover bytes between reads, alternately: chunks
   * may be a reused read buffer (net/tcp.ts), so a partial frame must move to memory we own.
   */
  private carry: [Uint8Array, Uint8Array] = [EMPTY, EMPTY];
  private carryIdx = 0;
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
    conn: TcpConn,
    remote: string,
    initial: Uint8Array,
    pieceCount: number | undefined,
    negotiated: { fast: boolean; extended: boolean },
  ) {
    this.conn = conn;
    this.socket = conn.socket;
    this.remote = remote;
    // Fast (BEP 6) and extension (BEP 10) messages are legal only when both sides set the bit.
    this.decoder = new FrameDecoder({ maxFrame: MAX_PEER_FRAME_BYTES, pieceCount, ...negotiated });
    if (initial.length > 0) this.pending.push(initial);
  }

  /** Starts reading; messages before this call (already in `initial`) are delivered first. */
  start(handlers: PeerConnectionHandlers): void {
    this.handlers = handlers;
    this.conn.setReader((chunk) => this.onData(chunk));
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
    // The handshake reader paused the socket; reading starts again here.
    if (!this.readPaused) this.socket.resume();
  }

  private onData(chunk: Uint8Array): void {
    if (this.closed) return;
    this.lastRecv = Date.now();
    try {
      const left = this.decoder.buffered;
      let owned = false;
      if (left === 0) {
        this.decoder.push(chunk);
      } else {
        // Leftover + new bytes, contiguous in the other carry buffer: frames stay views.
        const dst = this.spareCarry(left + chunk.length);
        this.decoder.copyUnreadTo(dst);
        dst.set(chunk, left);
        this.decoder.rebase(dst.subarray(0, left + chunk.length));
        owned = true;
      }
      for (let m = this.decoder.next(); m !== null; m = this.decoder.next()) {
        if (m.type === 'piece') this.down.add(m.block.length);
        // Handlers consume messages synchronously (blocks are copied into piece buffers).
        this.handlers!.onMessage(m);
        if (this.closed) return;
      }
      const rest = this.decoder.buffered;
      if (rest > 0 && !owned) {
        const dst = this.spareCarry(rest);
        this.decoder.copyUnreadTo(dst);
        this.decoder.rebase(dst.subarray(0, rest));
      }
    } catch (e) {
      this.close(
        e instanceof MagnetarError ? e : new MagnetarError('PEER_PROTOCOL', `${this.remote}: ${String(e)}`),
      );
    }
  }

  /** The carry buffer not holding the decoder's bytes now, at least `n` long; it becomes current. */
  private spareCarry(n: number): Uint8Array {
    this.carryIdx ^= 1;
    let b = this.carry[this.carryIdx]!;
    // Grow to fit; shrink again after an unusually large frame so idle peers stay cheap.
    if (b.length < n || b.length > 4 * Math.max(n, CARRY_MIN)) {
      b = new Uint8Array(Math.max(CARRY_MIN, 2 ** Math.ceil(Math.log2(n))));
      this.carry[this.carryIdx] = b;
    }
    return b;
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
    return this.socket.writableLength;
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
    this.conn.setReader(null);
    this.socket.destroy();
    const h = this.handlers;
    this.handlers = null;
    h?.onClose(err);
  }
}
