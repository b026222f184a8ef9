// Who may start us (RELIABILITY N76). The browser already enforces allowed_origins /
// allowed_extensions from the host manifest; checking argv again means a manifest edited by hand
// (or another browser's wildcard bug) still can't hand our engine to a stranger.

import { CHROME_EXTENSION_ID, GECKO_ID } from '../protocol/ids.ts';

export interface Caller {
  readonly browser: 'chrome' | 'firefox';
  readonly id: string;
}

/** Extra Chrome ids, comma-separated (a self-packed build with its own key). */
export const EXTRA_IDS_ENV = 'MAGNETAR_EXTENSION_IDS';

export function identifyCaller(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): { ok: true; caller: Caller } | { ok: false; reason: string } {
  const first = argv[0] ?? '';
  const chrome = /^chrome-extension:\/\/([a-p]{32})\/?$/.exec(first);
  if (chrome) {
    const id = chrome[1]!;
    const extra = (env[EXTRA_IDS_ENV] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => /^[a-p]{32}$/.test(s));
    if (id === CHROME_EXTENSION_ID || extra.includes(id))
      return { ok: true, caller: { browser: 'chrome', id } };
    return { ok: false, reason: `extension ${id} is not allowed to use this host` };
  }
  // Firefox: argv = [path to the host manifest, add-on id].
  if (first.endsWith('.json') && argv[1] !== undefined) {
    if (argv[1] === GECKO_ID) return { ok: true, caller: { browser: 'firefox', id: GECKO_ID } };
    return { ok: false, reason: `add-on ${argv[1]} is not allowed to use this host` };
  }
  return { ok: false, reason: 'not started by a browser' };
}
