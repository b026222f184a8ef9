// .torrent files made by an independent implementation (Debian's mktorrent 1.1), so our parser
// and info-hash are checked against someone else's encoder.
//
//   const { torrentPath, infoHash } = await makeTorrent({ source: file, out: join(dir, 'x.torrent'),
//     announce: [[ot.httpUrl]] });

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { decode } from '../../native-host/src/bencode/index.ts';
import { isDict } from '../../native-host/src/bencode/types.ts';
import { runLogged } from './procs.ts';

export interface MakeTorrentOptions {
  /** File or folder (a folder gives a multi-file torrent). */
  source: string;
  /** Output .torrent path (overwritten: mktorrent refuses to, so it must not exist). */
  out: string;
  /** Tiers of announce URLs (BEP 12); mktorrent needs at least one URL. */
  announce: readonly (readonly string[])[];
  /** log2 of the piece length: 18 = 256 KiB (mktorrent's default), 20 = 1 MiB. */
  pieceLengthExp?: number;
  private?: boolean;
  name?: string;
  webSeeds?: readonly string[];
}

export interface MadeTorrent {
  torrentPath: string;
  /** v1 info-hash, 40 lowercase hex characters. */
  infoHash: string;
}

export async function makeTorrent(o: MakeTorrentOptions): Promise<MadeTorrent> {
  const args = ['-d', '-t', '1', '-l', String(o.pieceLengthExp ?? 18), '-o', o.out];
  if (o.announce.length === 0 || o.announce.some((t) => t.length === 0))
    throw new Error('makeTorrent: mktorrent needs at least one announce URL per tier');
  // mktorrent: one -a per tier, URLs inside a tier comma-separated.
  for (const tier of o.announce) args.push('-a', tier.join(','));
  if (o.private) args.push('-p');
  if (o.name) args.push('-n', o.name);
  if (o.webSeeds?.length) args.push('-w', o.webSeeds.join(','));
  args.push(o.source);
  const r = await runLogged('mktorrent', args, { logPath: `${o.out}.mktorrent.log`, timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`mktorrent failed (${r.code ?? r.signal}): ${r.log.slice(-1000)}`);
  return { torrentPath: o.out, infoHash: infoHashOf(o.out) };
}

/** SHA-1 over the raw bytes of the `info` value (never a re-encoding). */
export function infoHashOf(torrentPath: string): string {
  const bytes = new Uint8Array(readFileSync(torrentPath));
  const root = decode(bytes).value;
  if (!isDict(root)) throw new Error(`${torrentPath}: not a torrent`);
  const span = root.spans.get('info');
  if (!span) throw new Error(`${torrentPath}: no info dict`);
  return createHash('sha1').update(bytes.subarray(span[0], span[1])).digest('hex');
}

/** A magnet link for tests (BEP 9): info-hash, optional trackers. */
export function magnetFor(infoHash: string, trackers: readonly string[] = [], name?: string): string {
  let m = `magnet:?xt=urn:btih:${infoHash}`;
  if (name) m += `&dn=${encodeURIComponent(name)}`;
  for (const t of trackers) m += `&tr=${encodeURIComponent(t)}`;
  return m;
}
