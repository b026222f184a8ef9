#!/usr/bin/env node
// Registers Magnetar's native-messaging host for the current user (Linux and macOS), for every
// installed browser among Chrome, Chromium, Brave, Edge, Vivaldi and Firefox. Plain Node, no
// dependencies, so it runs from a fresh clone right after `npm run build`.
//
//   node install-scripts/install-host.mjs                       register for every installed browser
//   node install-scripts/install-host.mjs --browser chromium    only that one (repeatable)
//   node install-scripts/install-host.mjs --user-data-dir DIR   Chromium-family profile at DIR
//                                                              (writes DIR/NativeMessagingHosts/…)
//   node install-scripts/install-host.mjs --uninstall           remove exactly what was added
//   node install-scripts/install-host.mjs --dry-run             print what it would do
//
// What it writes: an executable wrapper `<data dir>/bin/magnetar-host` that runs
// `node <repo>/native-host/dist/magnetar.mjs "$@"` with absolute paths (browsers start hosts with a
// minimal PATH), one host manifest per browser, and `<data dir>/install-state.json` recording both
// (and any folder it had to create) so --uninstall removes exactly those. Running it twice is
// harmless. The extension ids come from the repository's manifest.json (`key` → Chrome id, gecko id).

import { createHash } from 'node:crypto';
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const HOST_NAME = 'com.magnetar.host';
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Chrome derives an unpacked extension's id from its public key: sha256, 32 hex digits as a–p. */
export function chromeIdFromKey(keyBase64) {
  const hex = createHash('sha256').update(Buffer.from(keyBase64, 'base64')).digest('hex').slice(0, 32);
  return [...hex].map((c) => String.fromCharCode(97 + Number.parseInt(c, 16))).join('');
}

export function readExtensionIds(manifestPath = join(REPO, 'manifest.json')) {
  const m = JSON.parse(readFileSync(manifestPath, 'utf8'));
  return { chromeId: chromeIdFromKey(m.key), geckoId: m.browser_specific_settings.gecko.id };
}

/** Per-user data folder; the same rules as the host (native-host/src/nm/paths.ts). */
export function dataDir(env, platform, home) {
  if (env.MAGNETAR_HOME && isAbsolute(env.MAGNETAR_HOME)) return env.MAGNETAR_HOME;
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'Magnetar');
  const xdg = env.XDG_DATA_HOME;
  return join(xdg && isAbsolute(xdg) ? xdg : join(home, '.local', 'share'), 'magnetar');
}

const CHROMIUM_FAMILY = ['chrome', 'chromium', 'brave', 'edge', 'vivaldi'];
export const BROWSERS = [...CHROMIUM_FAMILY, 'firefox'];

/** Where each browser looks for per-user host manifests, and how to tell it is installed. */
export function browserTable(env, platform, home) {
  if (platform === 'darwin') {
    const sup = join(home, 'Library', 'Application Support');
    const app = (name) => [`/Applications/${name}.app`, join(home, 'Applications', `${name}.app`)];
    return {
      chrome: {
        label: 'Google Chrome',
        profile: join(sup, 'Google', 'Chrome'),
        apps: app('Google Chrome'),
        bins: [],
      },
      chromium: { label: 'Chromium', profile: join(sup, 'Chromium'), apps: app('Chromium'), bins: [] },
      brave: {
        label: 'Brave',
        profile: join(sup, 'BraveSoftware', 'Brave-Browser'),
        apps: app('Brave Browser'),
        bins: [],
      },
      edge: {
        label: 'Microsoft Edge',
        profile: join(sup, 'Microsoft Edge'),
        apps: app('Microsoft Edge'),
        bins: [],
      },
      vivaldi: { label: 'Vivaldi', profile: join(sup, 'Vivaldi'), apps: app('Vivaldi'), bins: [] },
      firefox: {
        label: 'Firefox',
        profile: join(sup, 'Mozilla'),
        apps: app('Firefox'),
        bins: [],
        nmDir: join(sup, 'Mozilla', 'NativeMessagingHosts'),
      },
    };
  }
  const cfg =
    env.XDG_CONFIG_HOME && isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : join(home, '.config');
  return {
    chrome: {
      label: 'Google Chrome',
      profile: join(cfg, 'google-chrome'),
      apps: [],
      bins: ['google-chrome', 'google-chrome-stable'],
    },
    chromium: {
      label: 'Chromium',
      profile: join(cfg, 'chromium'),
      apps: [],
      bins: ['chromium', 'chromium-browser'],
    },
    brave: {
      label: 'Brave',
      profile: join(cfg, 'BraveSoftware', 'Brave-Browser'),
      apps: [],
      bins: ['brave-browser', 'brave'],
    },
    edge: {
      label: 'Microsoft Edge',
      profile: join(cfg, 'microsoft-edge'),
      apps: [],
      bins: ['microsoft-edge', 'microsoft-edge-stable'],
    },
    vivaldi: {
      label: 'Vivaldi',
      profile: join(cfg, 'vivaldi'),
      apps: [],
      bins: ['vivaldi', 'vivaldi-stable'],
    },
    firefox: {
      label: 'Firefox',
      profile: join(home, '.mozilla'),
      apps: [],
      bins: ['firefox', 'firefox-esr'],
      nmDir: join(home, '.mozilla', 'native-messaging-hosts'),
    },
  };
}

function onPath(bin, env) {
  for (const dir of (env.PATH ?? '').split(':')) {
    if (!dir) continue;
    try {
      accessSync(join(dir, bin), constants.X_OK);
      return true;
    } catch {}
  }
  return false;
}

function isInstalled(b, env) {
  return existsSync(b.profile) || b.apps.some((a) => existsSync(a)) || b.bins.some((x) => onPath(x, env));
}

export function parseArgs(argv) {
  const o = {
    browsers: [],
    userDataDir: null,
    uninstall: false,
    dryRun: false,
    hostScript: null,
    node: null,
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === '--browser') {
      const b = value().toLowerCase();
      if (!BROWSERS.includes(b))
        throw new UsageError(`unknown browser "${b}" (one of: ${BROWSERS.join(', ')})`);
      o.browsers.push(b);
    } else if (a === '--user-data-dir') o.userDataDir = resolve(value());
    else if (a === '--uninstall') o.uninstall = true;
    else if (a === '--dry-run') o.dryRun = true;
    else if (a === '--host-script') o.hostScript = resolve(value());
    else if (a === '--node') o.node = resolve(value());
    else if (a === '--help' || a === '-h') o.help = true;
    else throw new UsageError(`unknown option "${a}"`);
  }
  if (o.userDataDir && o.browsers.some((b) => b === 'firefox'))
    throw new UsageError(
      '--user-data-dir is for Chromium-family browsers (Firefox reads ~/.mozilla/native-messaging-hosts)',
    );
  return o;
}

export class UsageError extends Error {}

const shQuote = (s) => `'${s.replaceAll("'", `'\\''`)}'`;

function wrapperText(node, script, env) {
  const home =
    env.MAGNETAR_HOME && isAbsolute(env.MAGNETAR_HOME)
      ? `MAGNETAR_HOME=${shQuote(env.MAGNETAR_HOME)}\nexport MAGNETAR_HOME\n`
      : '';
  return `#!/bin/sh\n# Magnetar native-messaging host, registered by install-scripts/install-host.mjs.\n${home}exec ${shQuote(node)} --max-semi-space-size=1 ${shQuote(script)} "$@"\n`;
}

function hostManifest(kind, wrapper, ids) {
  const base = { name: HOST_NAME, description: 'Magnetar BitTorrent engine', path: wrapper, type: 'stdio' };
  return kind === 'firefox'
    ? { ...base, allowed_extensions: [ids.geckoId] }
    : { ...base, allowed_origins: [`chrome-extension://${ids.chromeId}/`] };
}

/** Plans the work as a list of actions; `apply` carries them out (or prints them for --dry-run). */
export function plan(opts, { env = process.env, platform = process.platform, home = homedir() } = {}) {
  const dir = dataDir(env, platform, home);
  const statePath = join(dir, 'install-state.json');
  const state = existsSync(statePath)
    ? JSON.parse(readFileSync(statePath, 'utf8'))
    : { version: 1, files: [], dirs: [] };
  if (opts.uninstall) return { statePath, state, dir, targets: [], uninstall: true };
  const table = browserTable(env, platform, home);
  const targets = [];
  if (opts.userDataDir) {
    for (const b of opts.browsers.length ? opts.browsers : ['chromium'])
      targets.push({
        browser: b,
        label: `${table[b].label} (profile ${opts.userDataDir})`,
        dir: join(opts.userDataDir, 'NativeMessagingHosts'),
      });
  } else {
    const wanted = opts.browsers.length ? opts.browsers : BROWSERS.filter((b) => isInstalled(table[b], env));
    for (const b of wanted)
      targets.push({
        browser: b,
        label: table[b].label,
        dir: table[b].nmDir ?? join(table[b].profile, 'NativeMessagingHosts'),
      });
  }
  const wrapper = join(dir, 'bin', 'magnetar-host');
  const script = opts.hostScript ?? join(REPO, 'native-host', 'dist', 'magnetar.mjs');
  const node = opts.node ?? process.execPath;
  return { statePath, state, dir, targets, wrapper, script, node, uninstall: false };
}

function mkdirRecorded(p, state, dryRun, say) {
  const missing = [];
  for (let d = p; !existsSync(d); d = dirname(d)) missing.unshift(d);
  if (missing.length === 0) return;
  say(`create folder ${missing[missing.length - 1]}`);
  if (dryRun) return;
  mkdirSync(p, { recursive: true });
  for (const d of missing) if (!state.dirs.includes(d)) state.dirs.push(d);
}

export function apply(p, opts, say = (s) => process.stdout.write(`${s}\n`)) {
  const dry = opts.dryRun;
  const prefix = dry ? 'would ' : '';
  if (p.uninstall) {
    for (const f of p.state.files) {
      if (!existsSync(f.path)) continue;
      say(`${prefix}remove ${f.path}`);
      if (!dry) rmSync(f.path, { force: true });
    }
    if (existsSync(p.statePath)) {
      say(`${prefix}remove ${p.statePath}`);
      if (!dry) rmSync(p.statePath, { force: true });
    }
    // Deepest first; a folder that now holds something else (another host, our logs) stays.
    for (const d of [...p.state.dirs].sort((a, b) => b.length - a.length)) {
      if (!existsSync(d) || readdirSync(d).length > 0) continue;
      say(`${prefix}remove empty folder ${d}`);
      if (!dry) rmdirSync(d);
    }
    if (p.state.files.length === 0) say('nothing to uninstall');
    return 0;
  }
  if (p.targets.length === 0) {
    say(
      'No supported browser found. Name one with --browser (chrome, chromium, brave, edge, vivaldi, firefox).',
    );
    return 1;
  }
  if (!existsSync(p.script)) {
    say(`The host is not built yet (${p.script} is missing): run \`npm run build\` first.`);
    if (!dry) return 1;
  }
  const ids = readExtensionIds();
  const state = p.state;
  const record = (path, kind, browser) => {
    state.files = state.files.filter((f) => f.path !== path);
    state.files.push({ path, kind, browser });
  };
  mkdirRecorded(dirname(p.wrapper), state, dry, (s) => say(prefix + s));
  say(`${prefix}write ${p.wrapper} (runs ${p.node} ${p.script})`);
  if (!dry) writeFileSync(p.wrapper, wrapperText(p.node, p.script, process.env), { mode: 0o755 });
  record(p.wrapper, 'wrapper', null);
  for (const t of p.targets) {
    const file = join(t.dir, `${HOST_NAME}.json`);
    mkdirRecorded(t.dir, state, dry, (s) => say(prefix + s));
    say(`${prefix}register for ${t.label}: ${file}`);
    if (!dry)
      writeFileSync(
        file,
        `${JSON.stringify(hostManifest(t.browser === 'firefox' ? 'firefox' : 'chrome', p.wrapper, ids), null, 2)}\n`,
      );
    record(file, 'manifest', t.browser);
  }
  if (!dry) {
    mkdirSync(dirname(p.statePath), { recursive: true });
    writeFileSync(p.statePath, `${JSON.stringify(state, null, 2)}\n`);
  }
  say(
    dry
      ? 'dry run: nothing was written'
      : `done. Extension id ${ids.chromeId} (Chrome family), ${ids.geckoId} (Firefox).`,
  );
  return 0;
}

const USAGE = `usage: install-host.mjs [--browser NAME]... [--user-data-dir DIR] [--uninstall] [--dry-run]
                       [--host-script PATH] [--node PATH]
browsers: ${BROWSERS.join(', ')}`;

function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`install-host: ${e.message}\n${USAGE}\n`);
    return 2;
  }
  if (opts.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (process.platform === 'win32') {
    process.stderr.write('On Windows, run install-scripts/install-host.ps1 (PowerShell) instead.\n');
    return 2;
  }
  return apply(plan(opts), opts);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = main();
