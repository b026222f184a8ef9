// Splitting lists so that every host→browser frame stays under Chrome's 1 MiB (RELIABILITY N72):
// items are measured one by one and packed into pages below a byte budget that leaves room for
// the envelope. A single item is kept bounded by clamping its free-text fields first.

import { MAX_NM_OUT_FRAME_BYTES } from '../core/limits.ts';
import type { FileInfo, TorrentInfo } from '../protocol/messages.ts';
import { jsonBytes, utf8Length } from './framing.ts';

/** Room for the envelope around a page (`{"v":1,"type":"snapshot","seq":…,"torrents":[…]}`). */
export const ENVELOPE_RESERVE_BYTES = 4 * 1024;
/** Byte budget for the items of one page. */
export const PAGE_BUDGET_BYTES = MAX_NM_OUT_FRAME_BYTES - ENVELOPE_RESERVE_BYTES;

/** Longest name / message / path we forward; longer ones are cut (they are for display only). */
export const MAX_TEXT_CHARS = 4096;

function clip(s: string): string {
  return s.length > MAX_TEXT_CHARS ? `${s.slice(0, MAX_TEXT_CHARS - 1)}…` : s;
}

export function clampTorrent(t: TorrentInfo): TorrentInfo {
  if (
    t.name.length <= MAX_TEXT_CHARS &&
    t.savePath.length <= MAX_TEXT_CHARS &&
    (t.error === null || t.error.message.length <= MAX_TEXT_CHARS)
  )
    return t;
  return {
    ...t,
    name: clip(t.name),
    savePath: clip(t.savePath),
    error: t.error && { code: t.error.code, message: clip(t.error.message) },
  };
}

/**
 * Packs items into pages whose JSON (items plus commas) stays within `budget` bytes. Every page
 * has at least one item; an item over the budget on its own would be a caller bug (clamp first).
 */
export function paginateByBytes<T>(items: readonly T[], budget: number = PAGE_BUDGET_BYTES): T[][] {
  const pages: T[][] = [];
  let page: T[] = [];
  let used = 2; // the array's brackets
  for (const item of items) {
    const size = jsonBytes(item) + 1;
    if (page.length > 0 && used + size > budget) {
      pages.push(page);
      page = [];
      used = 2;
    }
    page.push(item);
    used += size;
  }
  if (page.length > 0 || pages.length === 0) pages.push(page);
  return pages;
}

/** The longest prefix of `items` whose JSON fits in `budget` (at least one item). */
export function takeWithinBudget<T>(items: readonly T[], budget: number = PAGE_BUDGET_BYTES): T[] {
  const out: T[] = [];
  let used = 2;
  for (const item of items) {
    const size = jsonBytes(item) + 1;
    if (out.length > 0 && used + size > budget) break;
    out.push(item);
    used += size;
  }
  return out;
}

export function clampFile(f: FileInfo): FileInfo {
  // Paths may be deep (100 × 240 bytes): still far below a page, so only pathological ones clip.
  return utf8Length(f.path) > 64 * 1024 ? { ...f, path: clip(f.path) } : f;
}
