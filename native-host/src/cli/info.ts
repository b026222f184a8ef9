// `magnetar info <file.torrent>`: what a torrent holds, without touching the network.

import { toMagnet } from '../metainfo/index.ts';
import type { ValidatedTorrent } from '../metainfo/types.ts';
import { formatBytes } from './format.ts';

export function describeTorrent(t: ValidatedTorrent, asJson: boolean): string {
  const files = t.files.filter((f) => !f.pad);
  if (asJson) {
    return JSON.stringify({
      name: t.name,
      infoHash: t.infoHashHex,
      size: t.totalLength,
      pieceLength: t.pieceLength,
      pieces: t.pieceCount,
      private: t.private,
      trackers: t.announce,
      files: files.map((f) => ({ path: f.path.join('/'), length: f.length })),
      comment: t.comment ?? null,
      createdBy: t.createdBy ?? null,
      creationDate: t.creationDate ?? null,
      magnet: toMagnet(t),
      warnings: t.warnings,
    });
  }
  const lines = [
    `name:        ${t.name}`,
    `info-hash:   ${t.infoHashHex}`,
    `size:        ${formatBytes(t.totalLength)} (${t.totalLength} bytes)`,
    `pieces:      ${t.pieceCount} × ${formatBytes(t.pieceLength)}`,
    `private:     ${t.private ? 'yes' : 'no'}`,
  ];
  if (t.comment) lines.push(`comment:     ${t.comment}`);
  if (t.createdBy) lines.push(`created by:  ${t.createdBy}`);
  if (t.creationDate) lines.push(`created:     ${new Date(t.creationDate * 1000).toISOString()}`);
  lines.push(`trackers:    ${t.announce.length === 0 ? '(none)' : ''}`);
  t.announce.forEach((tier, i) => {
    for (const url of tier) lines.push(`  tier ${i + 1}: ${url}`);
  });
  lines.push(`files:       ${files.length}`);
  const shown = files.slice(0, 200);
  for (const f of shown) lines.push(`  ${formatBytes(f.length).padStart(10)}  ${f.path.join('/')}`);
  if (files.length > shown.length) lines.push(`  … and ${files.length - shown.length} more`);
  for (const w of t.warnings) lines.push(`warning:     ${w}`);
  return lines.join('\n');
}
