// Fuzz target for the peer-wire codecs (RELIABILITY (c)2 "peer stream", "ut_metadata", "ut_pex").
// Input layout: byte 0 picks decoder options, byte 1 seeds the chunking, the rest is the stream.
// Every extended payload the decoder yields is also fed to the BEP 10/9/11 decoders, so seeds made
// of valid streams reach them. Oracles (throw a plain Error when broken): only peer-fault
// MagnetarErrors escape; `buffered` stays within maxFrame + one chunk, and below maxFrame once
// drained; no piece block over maxBlock; an error is sticky.
import { MagnetarError } from '../../native-host/src/core/errors.ts';
import {
  decodeExtendedHandshake,
  decodeHandshake,
  decodeMetadataMessage,
  decodePex,
  encodeExtendedHandshake,
  encodeHandshake,
  encodeMessage,
  encodeMetadataMessage,
  encodePex,
  FrameDecoder,
} from '../../native-host/src/wire/index.ts';

const MAX_FRAME = 4096;
const MAX_BLOCK = 1024;

function typed(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof MagnetarError) || e.fault !== 'peer') throw e;
  }
}

export function wireTarget(input: Uint8Array): void {
  if (input.length < 2) return;
  const flags = input[0]!;
  let seed = input[1]! | 1;
  const stream = input.subarray(2);
  const d = new FrameDecoder({
    maxFrame: MAX_FRAME,
    maxBlock: MAX_BLOCK,
    maxExtended: MAX_FRAME,
    fast: (flags & 1) === 0,
    extended: (flags & 2) === 0,
    unknownIds: (flags & 4) !== 0 ? 'reject' : 'skip',
    pieceCount: (flags & 8) !== 0 ? flags * 3 : undefined,
  });
  typed(() => decodeHandshake(stream));
  let failed: unknown = null;
  try {
    for (let at = 0; at < stream.length; ) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      const size = 1 + ((seed >>> 16) % 64);
      const chunk = stream.subarray(at, at + size);
      at += size;
      d.push(chunk);
      if (d.buffered > MAX_FRAME + chunk.length) throw new Error(`buffered ${d.buffered} after a push`);
      for (let m = d.next(); m !== null; m = d.next()) {
        if (m.type === 'piece' && m.block.length > MAX_BLOCK) throw new Error('piece over maxBlock');
        if (m.type === 'extended') {
          const payload = m.payload;
          typed(() => decodeExtendedHandshake(payload));
          typed(() => decodeMetadataMessage(payload));
          typed(() => decodePex(payload));
        }
      }
      if (d.buffered >= MAX_FRAME) throw new Error(`buffered ${d.buffered} after draining`);
    }
  } catch (e) {
    if (!(e instanceof MagnetarError) || e.fault !== 'peer') throw e;
    failed = e;
  }
  if (failed !== null) {
    let again: unknown = null;
    try {
      d.next();
    } catch (e) {
      again = e;
    }
    if (again !== failed) throw new Error('decoder error is not sticky');
  }
}

/** Seed inputs: valid streams with every message type and each extension payload. */
export function wireSeeds(): Uint8Array[] {
  const ext = (id: number, payload: Uint8Array) => encodeMessage({ type: 'extended', id, payload });
  const frames = [
    encodeMessage({ type: 'keep-alive' }),
    encodeMessage({ type: 'bitfield', bits: Uint8Array.of(0xff, 0x80) }),
    encodeMessage({ type: 'have', index: 3 }),
    encodeMessage({ type: 'request', index: 1, begin: 0, length: 16384 }),
    encodeMessage({ type: 'piece', index: 1, begin: 0, block: new Uint8Array(100).fill(0x61) }),
    encodeMessage({ type: 'cancel', index: 1, begin: 0, length: 16384 }),
    encodeMessage({ type: 'port', port: 6881 }),
    encodeMessage({ type: 'have-all' }),
    encodeMessage({ type: 'reject', index: 1, begin: 0, length: 16384 }),
    encodeMessage({ type: 'allowed-fast', index: 2 }),
    encodeMessage({ type: 'suggest', index: 2 }),
    ext(
      0,
      encodeExtendedHandshake({ m: { ut_metadata: 1, ut_pex: 2 }, p: 6881, reqq: 250, metadata_size: 20000 }),
    ),
    ext(1, encodeMetadataMessage({ type: 'data', piece: 1, totalSize: 16484, data: new Uint8Array(100) })),
    ext(
      2,
      encodePex({
        added: [{ host: '10.0.0.1', port: 6881, flags: 2 }],
        dropped: [{ host: '::2', port: 80 }],
      }),
    ),
  ];
  const join = (parts: Uint8Array[]): Uint8Array => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  };
  const handshake = encodeHandshake({
    infoHash: new Uint8Array(20),
    peerId: new Uint8Array(20),
    extended: true,
  });
  return [
    join([Uint8Array.of(0, 7), ...frames]),
    join([Uint8Array.of(8, 1), ...frames.slice(1, 4)]),
    join([Uint8Array.of(0, 3), handshake]),
  ];
}

export default wireTarget;
