// Path component sanitizer, first of the two checks of DESIGN.md rule 11 (the second is at open
// time, in storage). A .torrent's `path` list (BEP 3) comes from a stranger: every component must
// become one portable, harmless file name on Linux, macOS and Windows, whatever bytes it held
// (RELIABILITY B15–B17, B20). We never refuse a torrent for a hostile name (aria2#1131 refused a
// macOS `Icon\r`), only for a path deeper than MAX_PATH_DEPTH. The function is idempotent, so a
// sanitized path can be sanitized again (at open, after resume) without changing.

import { MagnetarError } from '../core/errors.ts';
import { MAX_PATH_COMPONENT_BYTES, MAX_PATH_DEPTH } from '../core/limits.ts';

/** What a component that sanitizes to nothing becomes. */
const PLACEHOLDER = '_';
/** Extensions longer than this (in UTF-8 bytes, dot included) are not kept when truncating. */
const MAX_KEPT_EXTENSION_BYTES = 32;

const encoder = new TextEncoder();

/**
 * Characters dropped outright: bidirectional controls (U+202E can make `exe.txt` display as
 * `txt.exe`) and zero-width characters, which make two names that look alike differ.
 */
function isInvisible(c: number): boolean {
  return (
    c === 0x061c || // Arabic letter mark
    c === 0x180e || // Mongolian vowel separator
    (c >= 0x200b && c <= 0x200f) || // zero-width space/joiners, LRM, RLM
    (c >= 0x202a && c <= 0x202e) || // LRE, RLE, PDF, LRO, RLO
    (c >= 0x2060 && c <= 0x2064) || // word joiner, invisible operators
    (c >= 0x2066 && c <= 0x2069) || // LRI, RLI, FSI, PDI
    c === 0xfeff // zero-width no-break space (BOM)
  );
}

/**
 * Characters replaced by `_`: C0 and C1 controls (NUL truncates C strings; `\r` and `\n` break
 * logs and shells), both separators (a component must stay one component on every OS), the
 * characters Windows forbids in names, and the Unicode line/paragraph separators.
 */
function isForbidden(c: number): boolean {
  return (
    c < 0x20 ||
    (c >= 0x7f && c <= 0x9f) ||
    c === 0x2f || // /
    c === 0x5c || // \
    c === 0x3a || // : (also makes `C:` drive letters and NTFS streams harmless)
    c === 0x2a || // *
    c === 0x3f || // ?
    c === 0x22 || // "
    c === 0x3c || // <
    c === 0x3e || // >
    c === 0x7c || // |
    c === 0x2028 ||
    c === 0x2029
  );
}

/** Windows device names, reserved with any extension (`nul.txt` opens the NUL device). */
const RESERVED =
  /^(con|prn|aux|nul|com[0-9\u00b9\u00b2\u00b3]|lpt[0-9\u00b9\u00b2\u00b3]|conin\$|conout\$)(\s*\..*)?$/i;

/** Printable ASCII without forbidden characters, not ending in a dot or space. */
const SAFE_ASCII = /^[\x20-\x7e]*[\x21-\x2d\x30-\x7e]$/;
const HAS_FORBIDDEN_ASCII = /[/\\:*?"<>|]/;

function utf8Length(s: string): number {
  return encoder.encode(s).length;
}

/** Longest prefix of `s` (whole code points) that fits in `maxBytes` of UTF-8. */
function truncateUtf8(s: string, maxBytes: number): string {
  let bytes = 0;
  let end = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    const n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (bytes + n > maxBytes) break;
    bytes += n;
    end += ch.length;
  }
  return s.slice(0, end);
}

function trimTrailingDotsAndSpaces(s: string): string {
  let end = s.length;
  while (end > 0 && (s[end - 1] === '.' || s[end - 1] === ' ')) end--;
  return s.slice(0, end);
}

/** Splits `name.ext` for truncation; an extension is kept only when short and not the whole name. */
export function splitExtension(name: string): [stem: string, ext: string] {
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return [name, ''];
  const ext = name.slice(dot);
  if (utf8Length(ext) > MAX_KEPT_EXTENSION_BYTES) return [name, ''];
  return [name.slice(0, dot), ext];
}

/**
 * Cuts `name` to MAX_PATH_COMPONENT_BYTES of UTF-8 keeping its extension (libtorrent does the same
 * at 240 bytes, leaving room under the common 255-byte limit for a suffix such as ` (1)`).
 */
export function truncateComponent(name: string, maxBytes = MAX_PATH_COMPONENT_BYTES): string {
  if (utf8Length(name) <= maxBytes) return name;
  const [stem, ext] = splitExtension(name);
  return truncateUtf8(stem, maxBytes - utf8Length(ext)) + ext;
}

/**
 * Sanitizes one path component. Returns null for components that must be dropped: empty, `.` and
 * `..` (a `..` must never climb out of the save folder, CVE-2010-0748).
 */
export function sanitizeComponent(raw: string): string | null {
  if (raw === '' || raw === '.' || raw === '..') return null;
  // Fast path for the common case (printable ASCII with nothing to replace, trim or cut): a
  // 200,000-file torrent spends most of its sanitizing time in the general loop otherwise.
  if (
    raw.length <= MAX_PATH_COMPONENT_BYTES &&
    SAFE_ASCII.test(raw) &&
    !HAS_FORBIDDEN_ASCII.test(raw) &&
    !RESERVED.test(raw)
  ) {
    return raw;
  }
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    let c = raw.charCodeAt(i);
    // Lone surrogates are not valid Unicode and cannot be encoded as UTF-8 on disk.
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = raw.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += raw[i]! + raw[i + 1]!;
        i++;
        continue;
      }
      c = 0xfffd;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      c = 0xfffd;
    }
    if (isInvisible(c)) continue;
    out += isForbidden(c) ? '_' : String.fromCharCode(c);
  }
  // Trim, make reserved names safe, truncate, until nothing changes: each step can undo another
  // (the `_` prefix can push a name past the byte limit; a cut can expose `CON.` or a trailing
  // dot), and idempotence is what lets storage re-check paths safely. A `_` prefix is added at
  // most once and cutting only shortens, so this settles within a few rounds.
  for (let round = 0; round < 8; round++) {
    const before = out;
    // Windows silently drops trailing dots and spaces, so `a.` and `a` would be one file there.
    out = trimTrailingDotsAndSpaces(out);
    if (RESERVED.test(out)) out = `_${out}`;
    out = trimTrailingDotsAndSpaces(truncateComponent(out));
    if (out === before) break;
  }
  return out === '' ? PLACEHOLDER : out;
}

/**
 * Sanitizes a file's path components (BEP 3 `path` list, already decoded from UTF-8). The result is
 * never empty and every element is a single safe component. Throws TORRENT_TOO_DEEP beyond
 * MAX_PATH_DEPTH components (libtorrent: torrent_directory_too_deep).
 */
export function sanitizePath(components: readonly string[]): string[] {
  if (components.length > MAX_PATH_DEPTH) {
    throw new MagnetarError(
      'TORRENT_TOO_DEEP',
      `file path has ${components.length} components (limit ${MAX_PATH_DEPTH})`,
      { depth: components.length },
    );
  }
  const out: string[] = [];
  for (const c of components) {
    const s = sanitizeComponent(c);
    if (s !== null) out.push(s);
  }
  if (out.length === 0) out.push(PLACEHOLDER);
  return out;
}

/**
 * The torrent's display and folder name. A name that is empty, `.`, `..` or made only of characters
 * we replace falls back to `fallback` (the info-hash hex, as libtorrent does: invalid_name2, B20).
 */
export function sanitizeName(raw: string, fallback: string): string {
  const s = sanitizeComponent(raw);
  if (s === null || (/^_+$/.test(s) && !/^_+$/.test(raw))) return fallback;
  return s;
}
