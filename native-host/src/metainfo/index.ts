// Public surface of the metainfo layer (DESIGN.md §3, layer 2). create-from-disk.ts is not
// re-exported here because it imports node: modules; the CLI imports it directly.

export { cleanTrackerUrl, MAX_TRACKERS, parseAnnounce, parseUrlList } from './announce.ts';
export {
  autoPieceLength,
  type CreatedTorrent,
  type CreateFile,
  type CreateOptions,
  createTorrent,
  type Hasher,
  hashPieces,
} from './create.ts';
export { type DedupeResult, dedupePaths, MAX_RENAME_ATTEMPTS } from './dedupe-paths.ts';
export { infoHashToBase32, type MagnetLink, type MagnetPeer, parseMagnet, toMagnet } from './magnet.ts';
export { type InfoExtras, parseInfoBytes, parseTorrent } from './parse.ts';
export { sanitizeComponent, sanitizeName, sanitizePath, truncateComponent } from './sanitize-path.ts';
export { pieceHash, pieceSize, type TorrentFile, type ValidatedTorrent } from './types.ts';
