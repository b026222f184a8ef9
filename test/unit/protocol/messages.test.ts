// The shared schema module: what requests it accepts and refuses, result parsing on the extension
// side, and PROTOCOL.md staying in step with the codes and request types.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ALL_ERROR_CODES,
  HostMessageSchema,
  IDEMPOTENT_REQUESTS,
  MAX_TORRENT_BASE64_CHARS,
  PROTOCOL_ERROR_CODES,
  parseResult,
  REQUEST_TYPES,
  RequestSchemas,
} from '../../../native-host/src/protocol/index.ts';

const H = 'a'.repeat(40);
const req = (type: string, fields: Record<string, unknown> = {}) => ({ v: 1, id: '1', type, ...fields });

describe('request schemas', () => {
  it.each([
    ['hello', {}],
    ['list', { offset: 0, limit: 100 }],
    ['files', { torrentId: H, offset: 10 }],
    ['add-torrent', { data: 'ZDQ6aW5mb2Vl', savePath: 'x' }],
    ['add-url', { url: 'https://example.org/a.torrent' }],
    ['add-magnet', { uri: `magnet:?xt=urn:btih:${H}` }],
    ['pause', { torrentId: H }],
    ['resume', { torrentId: H }],
    ['remove', { torrentId: H, deleteData: true }],
    ['open-folder', {}],
    ['get-settings', {}],
    ['set-settings', { settings: { maxPeers: 10 } }],
  ])('%s accepts a valid request', (type, fields) => {
    const schema = RequestSchemas[type as keyof typeof RequestSchemas];
    expect(schema.safeParse(req(type, fields)).success).toBe(true);
  });

  it.each([
    ['extra field', req('hello', { admin: true })],
    ['wrong v', { ...req('hello'), v: 2 }],
    ['empty id', { ...req('hello'), id: '' }],
    ['long id', { ...req('hello'), id: 'x'.repeat(65) }],
    ['upper-case hash', req('pause', { torrentId: H.toUpperCase() })],
    ['short hash', req('pause', { torrentId: 'abc' })],
    ['remove without deleteData', req('remove', { torrentId: H })],
    ['negative offset', req('list', { offset: -1 })],
    ['huge limit', req('list', { limit: 1e9 })],
    ['base64 garbage', req('add-torrent', { data: '@@@' })],
    ['base64 over 10 MB', req('add-torrent', { data: 'A'.repeat(MAX_TORRENT_BASE64_CHARS + 4) })],
    ['unknown setting', req('set-settings', { settings: { evil: 1 } })],
    ['maxPeers 0', req('set-settings', { settings: { maxPeers: 0 } })],
  ])('refuses %s', (_n, frame) => {
    const schema = RequestSchemas[frame.type as keyof typeof RequestSchemas];
    expect(schema.safeParse(frame).success).toBe(false);
  });

  it('only read-only or repeatable requests are idempotent', () => {
    for (const t of [
      'add-torrent',
      'add-url',
      'add-magnet',
      'remove',
      'set-settings',
      'open-folder',
    ] as const)
      expect(IDEMPOTENT_REQUESTS.has(t)).toBe(false);
  });
});

describe('host messages (parsed by the extension)', () => {
  it('accepts replies and events, and parses typed results', () => {
    expect(HostMessageSchema.safeParse({ v: 1, id: 'x', type: 'reply', ok: true, result: {} }).success).toBe(
      true,
    );
    expect(
      HostMessageSchema.safeParse({
        v: 1,
        id: null,
        type: 'reply',
        ok: false,
        error: { code: 'BAD_JSON', message: 'm' },
      }).success,
    ).toBe(true);
    expect(
      HostMessageSchema.safeParse({
        v: 1,
        type: 'snapshot',
        seq: 1,
        page: 0,
        pages: 1,
        total: 0,
        torrents: [],
      }).success,
    ).toBe(true);
    expect(HostMessageSchema.safeParse({ v: 1, type: 'torrent-removed', torrentId: H }).success).toBe(true);
    expect(HostMessageSchema.safeParse({ v: 1, type: 'launch-missiles' }).success).toBe(false);
    expect(() => parseResult('list', { total: 1 })).toThrow();
    expect(
      parseResult('get-settings', {
        settings: { downloadRoot: '/d', seedAfterDownload: true, maxPeers: 5 },
        extra: 1,
      }),
    ).toEqual({
      settings: { downloadRoot: '/d', seedAfterDownload: true, maxPeers: 5 },
    });
  });
});

describe('PROTOCOL.md', () => {
  const doc = readFileSync(resolve('native-host/src/protocol/PROTOCOL.md'), 'utf8');
  it('documents every front-end error code and every request type', () => {
    for (const c of PROTOCOL_ERROR_CODES) expect(doc, c).toMatch(new RegExp(`\\|\\s*\`${c}\`\\s*\\|`));
    for (const t of REQUEST_TYPES) expect(doc, t).toContain(`\`${t}\``);
    expect(new Set(ALL_ERROR_CODES).size).toBe(ALL_ERROR_CODES.length);
  });
});
