// RELIABILITY B15–B18 and DESIGN rule 11: hostile paths become safe, portable, unique names, and
// every resolved path stays under the save folder. Table tests plus properties over an adversarial
// alphabet (idempotence, containment, uniqueness).
import { resolve, sep } from 'node:path';
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { MAX_PATH_COMPONENT_BYTES } from '../../../native-host/src/core/limits.ts';
import {
  dedupePaths,
  parseTorrent,
  sanitizeComponent,
  sanitizePath,
} from '../../../native-host/src/metainfo/index.ts';
import { expectCode } from '../bencode/helpers.ts';
import { multiInfo, torrent } from './build.ts';

const params = { seed: 0x7061, numRuns: 200 };
const ROOT = resolve('/tmp/magnetar-case/root');
const bytesOf = (s: string) => new TextEncoder().encode(s).length;

function expectUnderRoot(components: readonly string[]): void {
  const p = resolve(ROOT, ...components);
  expect(p.startsWith(ROOT + sep)).toBe(true);
}

const table: [string, string[], string[]][] = [
  ['parent', ['..', '..', 'etc', 'passwd'], ['etc', 'passwd']],
  ['dot and empty', ['.', '', 'a', '.', 'b'], ['a', 'b']],
  ['only dots', ['..', '.', ''], ['_']],
  ['absolute component', ['/etc/passwd'], ['_etc_passwd']],
  ['backslash component', ['..\\..\\windows'], ['.._.._windows']],
  ['slash inside', ['a/../../b'], ['a_.._.._b']],
  ['drive letter', ['C:', 'Windows'], ['C_', 'Windows']],
  ['drive path', ['C:\\Windows\\system32'], ['C__Windows_system32']],
  ['UNC', ['\\\\host\\share', 'x'], ['__host_share', 'x']],
  ['NUL byte', ['a\0b'], ['a_b']],
  ['controls', ['Icon\r', 'tab\there', 'del\x7f', 'c1\x85'], ['Icon_', 'tab_here', 'del_', 'c1_']],
  ['windows chars', ['a:b*c?d"e<f>g|h'], ['a_b_c_d_e_f_g_h']],
  ['CON', ['CON'], ['_CON']],
  ['con lower', ['con'], ['_con']],
  ['nul.txt', ['nul.txt'], ['_nul.txt']],
  ['COM1 with ext', ['COM1.tar.gz'], ['_COM1.tar.gz']],
  ['LPT9', ['lpt9'], ['_lpt9']],
  ['AUX with trailing dot', ['AUX.'], ['_AUX']],
  [
    'not reserved',
    ['CONSOLE', 'com10', 'nul-file', 'auxiliary.txt'],
    ['CONSOLE', 'com10', 'nul-file', 'auxiliary.txt'],
  ],
  ['trailing dots and spaces', ['name. . ', 'dir...'], ['name', 'dir']],
  ['dots and spaces only', ['. .', ' '], ['_', '_']],
  ['bidi override', ['evil\u202egnp.exe'], ['evilgnp.exe']],
  ['zero width', ['a\u200bb\ufeffc\u2060d'], ['abcd']],
  ['isolates', ['\u2066x\u2069'], ['x']],
  ['replacement char kept', ['bad\ufffdname'], ['bad\ufffdname']],
  ['lone surrogate', ['a\ud800b'], ['a\ufffdb']],
  ['emoji kept', ['😀.txt'], ['😀.txt']],
  ['tilde is harmless', ['~', '~root'], ['~', '~root']],
  ['leading dot kept', ['.hidden'], ['.hidden']],
];

describe('sanitizePath table', () => {
  test.each(table)('%s', (_name, input, want) => {
    const out = sanitizePath(input);
    expect(out).toEqual(want);
    expectUnderRoot(out);
    expect(sanitizePath(out)).toEqual(out);
  });

  test('300-byte name is cut to 240 bytes keeping the extension', () => {
    const out = sanitizeComponent(`${'x'.repeat(300)}.mkv`)!;
    expect(bytesOf(out)).toBe(MAX_PATH_COMPONENT_BYTES);
    expect(out.endsWith('.mkv')).toBe(true);
  });

  test('multi-byte names are cut on a code point boundary', () => {
    const out = sanitizeComponent(`${'é'.repeat(200)}.txt`)!;
    expect(bytesOf(out)).toBeLessThanOrEqual(MAX_PATH_COMPONENT_BYTES);
    expect(out).toBe(`${'é'.repeat(118)}.txt`);
    const emoji = sanitizeComponent('😀'.repeat(100))!;
    expect(bytesOf(emoji)).toBe(240);
    expect(emoji).not.toContain('\ufffd');
  });

  test('a long extension is not kept', () => {
    const out = sanitizeComponent(`a.${'e'.repeat(300)}`)!;
    expect(bytesOf(out)).toBe(MAX_PATH_COMPONENT_BYTES);
    expect(out.startsWith('a.')).toBe(true);
  });

  // Fuzz finding (corpus/sanitize-path/crash-60d82f9e6aef.bin): the `_` prefix for a reserved name
  // pushed a 240-byte name to 241 bytes, so a second pass changed it again.
  test.each([
    `nul.${'a'.repeat(300)}.gz`,
    `CON${'. '.repeat(200)}x.txt`,
    `com1.txt${'\ufffd'.repeat(100)}.tar.gz`,
  ])('reserved names at the byte limit are stable (%#)', (name) => {
    const once = sanitizeComponent(name)!;
    expect(bytesOf(once)).toBeLessThanOrEqual(MAX_PATH_COMPONENT_BYTES);
    expect(once.startsWith('_')).toBe(true);
    expect(sanitizeComponent(once)).toBe(once);
  });

  test('depth over 100 → TORRENT_TOO_DEEP; 100 is fine', () => {
    expect(sanitizePath(Array.from({ length: 100 }, () => 'd'))).toHaveLength(100);
    expectCode(() => sanitizePath(Array.from({ length: 101 }, () => 'd')), 'TORRENT_TOO_DEEP');
  });
});

describe('dedupePaths (B18)', () => {
  const dedupe = (paths: string[][], skip?: boolean[]) =>
    dedupePaths(paths, skip).paths.map((p) => p.join('/'));

  test('same path twice', () => {
    expect(dedupe([['a.txt'], ['a.txt'], ['a.txt']])).toEqual(['a.txt', 'a (1).txt', 'a (2).txt']);
  });
  test('differing only in case', () => {
    expect(dedupe([['Readme.md'], ['README.md']])).toEqual(['Readme.md', 'README (1).md']);
  });
  test('same after sanitizing', () => {
    const paths = [sanitizePath(['a:b']), sanitizePath(['a_b']), sanitizePath(['a?b'])];
    expect(dedupe(paths)).toEqual(['a_b', 'a_b (1)', 'a_b (2)']);
  });
  test('NFC and NFD forms clash', () => {
    expect(dedupe([['\u00e9'], ['e\u0301']])).toEqual(['\u00e9', 'e\u0301 (1)']);
  });
  test('a file named like an earlier directory', () => {
    expect(dedupe([['a', 'b'], ['a']])).toEqual(['a/b', 'a (1)']);
  });
  test('a directory named like an earlier file keeps its children together', () => {
    expect(dedupe([['a'], ['a', 'b'], ['A', 'c'], ['x']])).toEqual(['a', 'a (1)/b', 'a (1)/c', 'x']);
  });
  test('a renamed name does not clash with a real one', () => {
    expect(dedupe([['a'], ['a (1)'], ['a']])).toEqual(['a', 'a (1)', 'a (2)']);
  });
  test('a suffix on a 240-byte name stays within the limit', () => {
    const long = `${'n'.repeat(236)}.txt`;
    const out = dedupe([[long], [long]]);
    expect(out[1]!.endsWith(' (1).txt')).toBe(true);
    expect(bytesOf(out[1]!)).toBeLessThanOrEqual(MAX_PATH_COMPONENT_BYTES);
  });
  test('skipped (pad) files take part in no clash', () => {
    expect(dedupe([['.pad', '1'], ['.pad', '1'], ['.pad']], [true, true, false])).toEqual([
      '.pad/1',
      '.pad/1',
      '.pad',
    ]);
  });
  test('more than 500 copies → TORRENT_PATH', () => {
    expectCode(() => dedupePaths(Array.from({ length: 502 }, () => ['same'])), 'TORRENT_PATH');
  });
});

describe('hostile torrent end to end', () => {
  test('every file resolves under the root, each path is unique', () => {
    const hostile = [
      ['..', '..', 'escape'],
      ['/etc/passwd'],
      ['C:', 'x'],
      ['\\\\srv\\share\\f'],
      ['CON'],
      ['nul.txt'],
      ['a/b'],
      ['a', 'b'],
      ['A', 'B'],
      ['\u202etxt.exe'],
      [`${'z'.repeat(300)}.bin`],
      [''],
      ['.'],
    ];
    const t = parseTorrent(
      torrent(
        multiInfo(
          hostile.map((path) => ({ length: 1, path })),
          { name: '..' },
        ),
      ),
    );
    expect(t.name).toBe(t.infoHashHex);
    const keys = new Set<string>();
    for (const f of t.files) {
      expectUnderRoot([t.name, ...f.path]);
      const k = f.path.join('/').toLowerCase();
      expect(keys.has(k)).toBe(false);
      keys.add(k);
    }
    expect(t.warnings.length).toBeGreaterThan(0);
  });
});

// Adversarial alphabet for properties (RELIABILITY (c)1).
const piece = fc.constantFrom(
  '..',
  '.',
  '',
  '/',
  '\\',
  'C:',
  'CON',
  'nul',
  '.txt',
  'a',
  'A',
  'b',
  ' ',
  '\u202e',
  '\u200b',
  '\0',
  '\r',
  ':',
  '*',
  'é',
  'e\u0301',
  '\ud800',
  '😀',
  'x'.repeat(120),
  'lpt1',
  '~',
  '(1)',
);
const component = fc.array(piece, { maxLength: 6 }).map((parts) => parts.join(''));
const pathArb = fc.array(component, { maxLength: 8 });

describe('sanitizer properties', () => {
  test.prop([pathArb], params)('resolved path stays under the root', (p) => {
    const out = sanitizePath(p);
    expect(out.length).toBeGreaterThan(0);
    expectUnderRoot(out);
    expectUnderRoot(['torrent-name', ...out]);
  });

  test.prop([pathArb], params)('sanitizing is idempotent', (p) => {
    const once = sanitizePath(p);
    expect(sanitizePath(once)).toEqual(once);
  });

  test.prop([component], params)('each component is a single portable name within the byte limit', (c) => {
    const s = sanitizeComponent(c);
    if (s === null) return;
    for (const ch of s) {
      const c = ch.codePointAt(0)!;
      expect(c < 0x20 || (c >= 0x7f && c <= 0x9f) || '/\\:*?"<>|'.includes(ch)).toBe(false);
    }
    expect(s).not.toMatch(/[. ]$/);
    expect(s).not.toBe('');
    expect(bytesOf(s)).toBeLessThanOrEqual(MAX_PATH_COMPONENT_BYTES);
  });

  test.prop([fc.array(pathArb, { minLength: 1, maxLength: 12 })], params)(
    'after dedupe no two files share a path and no file is another file’s folder',
    (paths) => {
      const out = dedupePaths(paths.map(sanitizePath)).paths;
      const key = (p: readonly string[]) => p.map((c) => c.normalize('NFC').toLowerCase()).join('/');
      const files = new Set(out.map(key));
      expect(files.size).toBe(out.length);
      for (const p of out) {
        for (let i = 1; i < p.length; i++) expect(files.has(key(p.slice(0, i)))).toBe(false);
        expectUnderRoot(p);
        expect(sanitizePath(p)).toEqual(p);
      }
    },
  );
});
