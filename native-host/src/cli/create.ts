// `magnetar create <path> --tracker URL [-o out.torrent] [--piece-length N]`.

import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describeError } from '../core/errors.ts';
import { createTorrentFromPath } from '../metainfo/create-from-disk.ts';

export interface CreateFlags {
  tracker: string[];
  output?: string;
  pieceLength?: number;
  private?: boolean;
  comment?: string;
  name?: string;
}

export async function runCreateCommand(
  target: string,
  flags: CreateFlags,
  log: (s: string) => void,
): Promise<number> {
  try {
    const created = await createTorrentFromPath(target, {
      announce: flags.tracker.map((t) => [t]),
      pieceLength: flags.pieceLength,
      private: flags.private,
      comment: flags.comment,
      createdBy: 'Magnetar 0.1.0',
      creationDate: Math.floor(Date.now() / 1000),
      ...(flags.name ? { name: flags.name } : {}),
    });
    const out = flags.output ?? `${path.basename(path.resolve(target))}.torrent`;
    await writeFile(out, created.bytes);
    log(
      `${out}: ${created.torrent.name}, ${created.torrent.pieceCount} pieces, info-hash ${created.torrent.infoHashHex}`,
    );
    return 0;
  } catch (e) {
    log(`magnetar: ${describeError(e)}`);
    return 2;
  }
}
