// Host settings, persisted in the data folder as settings.json (temp + fsync + rename, so a kill
// mid-write leaves the old file). The extension's own preferences (catch on/off) live in the
// extension's storage, not here.

import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DEFAULT_MAX_PEERS } from '../core/limits.ts';
import { type Settings, SettingsSchema } from '../protocol/messages.ts';

export const SETTINGS_FILE = 'settings.json';

export function defaultSettings(downloadRoot: string): Settings {
  return { downloadRoot, seedAfterDownload: true, maxPeers: DEFAULT_MAX_PEERS };
}

/** Reads settings.json; a missing or damaged file yields the defaults (and a reason for the log). */
export async function loadSettings(
  dataDir: string,
  defaults: Settings,
): Promise<{ settings: Settings; problem: string | null }> {
  let text: string;
  try {
    text = await readFile(join(dataDir, SETTINGS_FILE), 'utf8');
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    return { settings: defaults, problem: missing ? null : `cannot read settings: ${(e as Error).message}` };
  }
  try {
    const parsed = SettingsSchema.partial().safeParse(JSON.parse(text));
    if (!parsed.success) return { settings: defaults, problem: 'settings.json is invalid; using defaults' };
    return { settings: { ...defaults, ...parsed.data }, problem: null };
  } catch {
    return { settings: defaults, problem: 'settings.json is not JSON; using defaults' };
  }
}

export async function saveSettings(dataDir: string, settings: Settings): Promise<void> {
  const file = join(dataDir, SETTINGS_FILE);
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(`${JSON.stringify(settings, null, 2)}\n`);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, file);
}
