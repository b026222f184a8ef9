// The parsed, checked form of a .torrent (DESIGN.md: parse, don't validate). Inner code trusts
// every field here: lengths agree, paths are sanitized, hashes have the right size.

export interface TorrentFile {
  /** Sanitized path components, relative to the torrent's folder (multi-file) or the save dir. */
  readonly path: readonly string[];
  readonly length: number;
  /** Byte offset of this file in the torrent's concatenated payload. */
  readonly offset: number;
  /** BEP 47 padding file: occupies payload bytes but is never written to disk. */
  readonly pad: boolean;
}

export interface ValidatedTorrent {
  /** SHA-1 over the raw bytes of the `info` dictionary as they appeared in the file. */
  readonly infoHash: Uint8Array;
  readonly infoHashHex: string;
  /** Sanitized display and folder name. */
  readonly name: string;
  readonly pieceLength: number;
  readonly pieceCount: number;
  readonly lastPieceLength: number;
  readonly totalLength: number;
  /** 20 bytes per piece, concatenated. */
  readonly pieceHashes: Uint8Array;
  /** In payload order. For a single-file torrent, one file whose path is [name]. */
  readonly files: readonly TorrentFile[];
  /** True when the info dict has `files` (payload goes in a folder named `name`). */
  readonly multiFile: boolean;
  /** Announce tiers (BEP 12); `announce` alone becomes one tier of one URL. */
  readonly announce: readonly (readonly string[])[];
  readonly private: boolean;
  readonly comment?: string;
  readonly createdBy?: string;
  readonly creationDate?: number;
  /** BEP 19 web seeds (kept for display; not used yet). */
  readonly urlList: readonly string[];
  /** The raw info dictionary bytes (what ut_metadata serves, BEP 9). */
  readonly infoBytes: Uint8Array;
  /** Non-fatal findings (renamed paths, trailing bytes) worth showing to a user. */
  readonly warnings: readonly string[];
}

export function pieceSize(t: ValidatedTorrent, index: number): number {
  return index === t.pieceCount - 1 ? t.lastPieceLength : t.pieceLength;
}

export function pieceHash(t: ValidatedTorrent, index: number): Uint8Array {
  return t.pieceHashes.subarray(index * 20, index * 20 + 20);
}
