// The one schema module for host⇄extension frames (zod 4, no Node imports: the extension bundles
// it). Requests are strict (unknown fields are refused, so a typo never silently changes meaning);
// results and events are parsed leniently on the extension side so a newer host can add fields.
// See PROTOCOL.md for the prose version of every message.

import { z } from 'zod';
import { MAX_TORRENT_FILE_BYTES } from '../core/limits.ts';
import { ALL_ERROR_CODES, type WireErrorCode } from './codes.ts';

export const PROTOCOL_VERSION = 1;

/** Largest page a `list` or `files` request may ask for (the host may return fewer to stay < 1 MiB). */
export const MAX_PAGE_ITEMS = 5000;
/** Longest path or URL string we accept in a request. */
export const MAX_PATH_CHARS = 4096;
export const MAX_URL_CHARS = 8192;
/** base64 of the largest .torrent we accept (10 MB → 4/3 of it). */
export const MAX_TORRENT_BASE64_CHARS = Math.ceil(MAX_TORRENT_FILE_BYTES / 3) * 4;

const RequestId = z.string().min(1).max(64);
export const TorrentIdSchema = z
  .string()
  .regex(/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/, 'a lowercase hex info-hash');
const SavePath = z.string().min(1).max(MAX_PATH_CHARS);
const Offset = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const Limit = z.number().int().min(1).max(MAX_PAGE_ITEMS);

export const SettingsSchema = z.object({
  /** Absolute folder every download is saved under; only the options page changes it. */
  downloadRoot: z.string().min(1).max(MAX_PATH_CHARS),
  seedAfterDownload: z.boolean(),
  maxPeers: z.number().int().min(1).max(1000),
});
export type Settings = z.infer<typeof SettingsSchema>;
export const SettingsPatchSchema = SettingsSchema.partial().strict();
export type SettingsPatch = z.infer<typeof SettingsPatchSchema>;

function request<T extends string, S extends z.ZodRawShape>(type: T, shape: S) {
  return z.strictObject({ v: z.literal(PROTOCOL_VERSION), id: RequestId, type: z.literal(type), ...shape });
}

export const RequestSchemas = {
  hello: request('hello', { client: z.string().max(200).optional() }),
  list: request('list', { offset: Offset.optional(), limit: Limit.optional() }),
  files: request('files', { torrentId: TorrentIdSchema, offset: Offset.optional(), limit: Limit.optional() }),
  'add-torrent': request('add-torrent', {
    data: z.base64().min(1).max(MAX_TORRENT_BASE64_CHARS),
    savePath: SavePath.optional(),
    /** Where the bytes came from (shown in logs only). */
    sourceUrl: z.string().max(MAX_URL_CHARS).optional(),
  }),
  'add-url': request('add-url', { url: z.string().min(1).max(MAX_URL_CHARS), savePath: SavePath.optional() }),
  'add-magnet': request('add-magnet', {
    uri: z.string().min(1).max(MAX_URL_CHARS),
    savePath: SavePath.optional(),
  }),
  pause: request('pause', { torrentId: TorrentIdSchema }),
  resume: request('resume', { torrentId: TorrentIdSchema }),
  remove: request('remove', { torrentId: TorrentIdSchema, deleteData: z.boolean() }),
  'open-folder': request('open-folder', { torrentId: TorrentIdSchema.optional() }),
  'get-settings': request('get-settings', {}),
  'set-settings': request('set-settings', { settings: SettingsPatchSchema }),
} as const;

export type RequestType = keyof typeof RequestSchemas;
export const REQUEST_TYPES = Object.keys(RequestSchemas) as RequestType[];
export type RequestOf<T extends RequestType> = z.infer<(typeof RequestSchemas)[T]>;
/** What a caller fills in: the envelope (`v`, `id`) is added by the transport. */
export type RequestBody<T extends RequestType> = Omit<z.input<(typeof RequestSchemas)[T]>, 'v' | 'id'>;
export type AnyRequestBody = { [T in RequestType]: RequestBody<T> }[RequestType];

export function isRequestType(s: unknown): s is RequestType {
  return typeof s === 'string' && Object.hasOwn(RequestSchemas, s);
}

/** Requests that can be sent twice without harm: the only ones retried after a reconnect. */
export const IDEMPOTENT_REQUESTS: ReadonlySet<RequestType> = new Set<RequestType>([
  'hello',
  'list',
  'files',
  'get-settings',
  'pause',
  'resume',
]);

// ── results and events (host → extension) ─────────────────────────────────────────────────────

export const TorrentStateSchema = z.enum([
  'checking',
  'metadata',
  'downloading',
  'seeding',
  'paused',
  'error',
]);
export type TorrentState = z.infer<typeof TorrentStateSchema>;

const ErrorCodeSchema = z.string().max(64);

export const TorrentSummarySchema = z.object({
  id: TorrentIdSchema,
  name: z.string(),
  size: z.number(),
  done: z.number(),
  progress: z.number(),
  state: TorrentStateSchema,
  error: z.object({ code: ErrorCodeSchema, message: z.string() }).nullable(),
  downRate: z.number(),
  upRate: z.number(),
  downloaded: z.number(),
  uploaded: z.number(),
  peers: z.number(),
  seeds: z.number(),
  eta: z.number().nullable(),
  pieces: z.number(),
  piecesDone: z.number(),
  fileCount: z.number(),
  savePath: z.string(),
  addedAt: z.number(),
  completedAt: z.number().nullable(),
});
export type TorrentInfo = z.infer<typeof TorrentSummarySchema>;

export const FileSummarySchema = z.object({
  index: z.number().int(),
  path: z.string(),
  size: z.number(),
  done: z.number(),
});
export type FileInfo = z.infer<typeof FileSummarySchema>;

const Empty = z.object({});
const Added = z.object({ torrent: TorrentSummarySchema });

export const ResultSchemas = {
  hello: z.object({
    protocol: z.literal(PROTOCOL_VERSION),
    hostVersion: z.string(),
    platform: z.string(),
    dataDir: z.string(),
    settings: SettingsSchema,
  }),
  list: z.object({
    total: z.number().int(),
    offset: z.number().int(),
    torrents: z.array(TorrentSummarySchema),
    /** Offset of the next page, or null when this page reached the end. */
    nextOffset: z.number().int().nullable(),
  }),
  files: z.object({
    torrentId: TorrentIdSchema,
    total: z.number().int(),
    offset: z.number().int(),
    files: z.array(FileSummarySchema),
    nextOffset: z.number().int().nullable(),
  }),
  'add-torrent': Added,
  'add-url': Added,
  'add-magnet': Added,
  pause: Empty,
  resume: Empty,
  remove: Empty,
  'open-folder': z.object({ path: z.string() }),
  'get-settings': z.object({ settings: SettingsSchema }),
  'set-settings': z.object({ settings: SettingsSchema, restarted: z.boolean() }),
} as const satisfies Record<RequestType, z.ZodType>;

export type ResultOf<T extends RequestType> = z.infer<(typeof ResultSchemas)[T]>;

export const WireErrorSchema = z.object({
  code: z.enum(ALL_ERROR_CODES as [WireErrorCode, ...WireErrorCode[]]).or(ErrorCodeSchema),
  message: z.string(),
});
export type WireError = { code: WireErrorCode; message: string };

export const OkReplySchema = z.object({
  v: z.literal(PROTOCOL_VERSION),
  id: z.string(),
  type: z.literal('reply'),
  ok: z.literal(true),
  result: z.unknown(),
});
export const ErrorReplySchema = z.object({
  v: z.literal(PROTOCOL_VERSION),
  /** null when the frame was too broken to carry a readable id. */
  id: z.string().nullable(),
  type: z.literal('reply'),
  ok: z.literal(false),
  error: WireErrorSchema,
});

export const SnapshotEventSchema = z.object({
  v: z.literal(PROTOCOL_VERSION),
  type: z.literal('snapshot'),
  /** Increments per snapshot; every page of one snapshot shares it. */
  seq: z.number().int(),
  page: z.number().int(),
  pages: z.number().int(),
  total: z.number().int(),
  torrents: z.array(TorrentSummarySchema),
});
export type SnapshotEvent = z.infer<typeof SnapshotEventSchema>;

const torrentEvent = <T extends string>(type: T) =>
  z.object({ v: z.literal(PROTOCOL_VERSION), type: z.literal(type), torrent: TorrentSummarySchema });

export const HostEventSchema = z.discriminatedUnion('type', [
  SnapshotEventSchema,
  torrentEvent('torrent-added'),
  torrentEvent('torrent-done'),
  torrentEvent('torrent-error'),
  z.object({ v: z.literal(PROTOCOL_VERSION), type: z.literal('torrent-removed'), torrentId: z.string() }),
]);
export type HostEvent = z.infer<typeof HostEventSchema>;

export const HostMessageSchema = z.union([OkReplySchema, ErrorReplySchema, HostEventSchema]);
export type HostMessage = z.infer<typeof HostMessageSchema>;

/** Parses a result for a request type; a mismatch is a host bug or a version skew. */
export function parseResult<T extends RequestType>(type: T, value: unknown): ResultOf<T> {
  return ResultSchemas[type].parse(value) as ResultOf<T>;
}
