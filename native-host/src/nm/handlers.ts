// One function per request type. Each gets a parsed, typed request (the loop validated it against
// the schema) and returns the result object, or throws a MagnetarError / ReplyError whose code goes
// to the extension unchanged.

import { mkdir } from 'node:fs/promises';
import { isMagnetarError, MagnetarError } from '../core/errors.ts';
import { MAX_TORRENT_FILE_BYTES } from '../core/limits.ts';
import type { AddOptions, SessionApi, TorrentSummary } from '../engine/api.ts';
import type { Fetcher } from '../net/fetch-torrent.ts';
import type { WireErrorCode } from '../protocol/codes.ts';
import {
  MAX_PAGE_ITEMS,
  PROTOCOL_VERSION,
  type RequestOf,
  type RequestType,
  type ResultOf,
  type Settings,
  type SettingsPatch,
  type TorrentInfo,
  type WireError,
} from '../protocol/messages.ts';
import type { FolderOpener } from './open-folder.ts';
import { clampFile, clampTorrent, takeWithinBudget } from './pages.ts';
import { resolveSavePath } from './paths.ts';

/** An error with a protocol code (as opposed to an engine MagnetarError). */
export class ReplyError extends Error {
  constructor(
    readonly code: WireErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ReplyError';
  }
}

export function toWireError(e: unknown): WireError {
  if (e instanceof ReplyError) return { code: e.code, message: e.message };
  if (isMagnetarError(e)) return { code: e.code, message: e.message };
  return { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) };
}

export interface HandlerContext {
  readonly hostVersion: string;
  readonly dataDir: string;
  session(): Promise<SessionApi>;
  settings(): Settings;
  updateSettings(patch: SettingsPatch): Promise<{ settings: Settings; restarted: boolean }>;
  readonly fetchUrl: Fetcher;
  readonly openFolder: FolderOpener;
  /** Asks the snapshot publisher for an early snapshot (after a change the user is waiting on). */
  changed(): void;
}

type Handlers = { [T in RequestType]: (req: RequestOf<T>, ctx: HandlerContext) => Promise<ResultOf<T>> };

const asInfo = (t: TorrentSummary): TorrentInfo => clampTorrent(t as TorrentInfo);

async function savePathOption(ctx: HandlerContext, savePath: string | undefined): Promise<AddOptions> {
  if (savePath === undefined) return {};
  const checked = await resolveSavePath(ctx.settings().downloadRoot, savePath);
  if (!checked.ok) throw new ReplyError('PATH_OUTSIDE_ROOT', `savePath refused: ${checked.reason}`);
  return { savePath: checked.path };
}

async function existing(ctx: HandlerContext, id: string): Promise<{ s: SessionApi; t: TorrentSummary }> {
  const s = await ctx.session();
  const t = s.get(id);
  if (!t) throw new MagnetarError('NOT_FOUND', `no torrent ${id}`);
  return { s, t };
}

async function addBytes(ctx: HandlerContext, bytes: Uint8Array, savePath: string | undefined) {
  if (bytes.length > MAX_TORRENT_FILE_BYTES)
    throw new MagnetarError('TORRENT_TOO_LARGE', `the file is over ${MAX_TORRENT_FILE_BYTES} bytes`);
  const opts = await savePathOption(ctx, savePath);
  await mkdir(ctx.settings().downloadRoot, { recursive: true });
  const torrent = await (await ctx.session()).addTorrentFile(bytes, opts);
  ctx.changed();
  return { torrent: asInfo(torrent) };
}

export const handlers: Handlers = {
  async hello(_req, ctx) {
    return {
      protocol: PROTOCOL_VERSION,
      hostVersion: ctx.hostVersion,
      platform: process.platform,
      dataDir: ctx.dataDir,
      settings: ctx.settings(),
    };
  },

  async list(req, ctx) {
    const all = (await ctx.session()).list();
    const offset = Math.min(req.offset ?? 0, all.length);
    const slice = all.slice(offset, offset + (req.limit ?? MAX_PAGE_ITEMS)).map(asInfo);
    const torrents = takeWithinBudget(slice);
    const next = offset + torrents.length;
    return { total: all.length, offset, torrents, nextOffset: next < all.length ? next : null };
  },

  async files(req, ctx) {
    const { s } = await existing(ctx, req.torrentId);
    const offset = req.offset ?? 0;
    const page = s.files(req.torrentId, offset, req.limit ?? MAX_PAGE_ITEMS);
    const files = takeWithinBudget(page.files.map(clampFile));
    const next = offset + files.length;
    return {
      torrentId: req.torrentId,
      total: page.total,
      offset,
      files,
      nextOffset: next < page.total ? next : null,
    };
  },

  async 'add-torrent'(req, ctx) {
    return addBytes(ctx, Buffer.from(req.data, 'base64'), req.savePath);
  },

  async 'add-url'(req, ctx) {
    await savePathOption(ctx, req.savePath); // refuse a bad path before fetching anything
    const bytes = await ctx.fetchUrl(req.url);
    return addBytes(ctx, bytes, req.savePath);
  },

  async 'add-magnet'(req, ctx) {
    if (!/^magnet:\?/i.test(req.uri.trim())) throw new MagnetarError('MAGNET_INVALID', 'not a magnet: link');
    const opts = await savePathOption(ctx, req.savePath);
    const torrent = await (await ctx.session()).addMagnet(req.uri.trim(), opts);
    ctx.changed();
    return { torrent: asInfo(torrent) };
  },

  async pause(req, ctx) {
    const { s } = await existing(ctx, req.torrentId);
    await s.pause(req.torrentId);
    ctx.changed();
    return {};
  },

  async resume(req, ctx) {
    const { s } = await existing(ctx, req.torrentId);
    await s.resume(req.torrentId);
    ctx.changed();
    return {};
  },

  async remove(req, ctx) {
    const { s } = await existing(ctx, req.torrentId);
    await s.remove(req.torrentId, { deleteData: req.deleteData });
    ctx.changed();
    return {};
  },

  async 'open-folder'(req, ctx) {
    const path = req.torrentId
      ? (await existing(ctx, req.torrentId)).t.savePath
      : ctx.settings().downloadRoot;
    await mkdir(path, { recursive: true });
    await ctx.openFolder(path).catch((e: Error) => {
      throw new ReplyError('INTERNAL', e.message);
    });
    return { path };
  },

  async 'get-settings'(_req, ctx) {
    return { settings: ctx.settings() };
  },

  async 'set-settings'(req, ctx) {
    return ctx.updateSettings(req.settings);
  },
};
