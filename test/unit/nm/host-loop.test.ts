// The host loop fed hostile frames (RELIABILITY N73, N74): each gets one typed error reply and the
// loop keeps serving; only an oversized length prefix closes it (the stream can't be resynced).

import { afterEach, describe, expect, it } from 'vitest';
import { byId, frame, type LoopHarness, rawFrame, startLoop } from './support.ts';

let h: LoopHarness | null = null;
afterEach(async () => {
  if (h) {
    h.input.end();
    await h.exit;
    h.cleanup();
    h = null;
  }
});

const TORRENT_B64 = Buffer.from(
  'd4:infod6:lengthi1e4:name1:a12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee',
).toString('base64');

async function alive(x: LoopHarness, id = `ping-${Math.random()}`): Promise<void> {
  x.input.write(frame({ v: 1, id, type: 'hello' }));
  const m = await x.waitFor(byId(id));
  expect(m['ok']).toBe(true);
}

async function errorFor(x: LoopHarness, bytes: Buffer, id: string | null): Promise<unknown> {
  const before = x.messages().filter(byId(id)).length;
  x.input.write(bytes);
  const end = Date.now() + 5000;
  while (Date.now() < end) {
    const got = x.messages().filter(byId(id));
    if (got.length > before) {
      expect(got.length).toBe(before + 1);
      const m = got[got.length - 1]!;
      expect(m['ok']).toBe(false);
      return (m['error'] as { code: string }).code;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('no error reply');
}

describe('host loop: hostile frames', () => {
  it('answers hello with version, data dir and settings', async () => {
    h = startLoop();
    h.input.write(frame({ v: 1, id: 'a', type: 'hello' }));
    const m = await h.waitFor(byId('a'));
    expect(m['result']).toMatchObject({
      protocol: 1,
      hostVersion: 'test',
      settings: { downloadRoot: h.root },
    });
  });

  const cases: [string, Buffer, string | null, string][] = [
    ['zero length', Buffer.from([0, 0, 0, 0]), null, 'FRAME_EMPTY'],
    ['bad UTF-8', rawFrame(Buffer.from([0x7b, 0xc3, 0x28, 0x7d])), null, 'BAD_UTF8'],
    ['bad JSON', rawFrame(Buffer.from('{"v":1,')), null, 'BAD_JSON'],
    ['a non-object (array)', frame([1, 2]), null, 'BAD_FRAME'],
    ['a non-object (string)', frame('hello'), null, 'BAD_FRAME'],
    ['null', frame(null), null, 'BAD_FRAME'],
    ['missing id', frame({ v: 1, type: 'hello' }), null, 'BAD_FRAME'],
    ['numeric id', frame({ v: 1, id: 7, type: 'hello' }), null, 'BAD_FRAME'],
    ['an over-long id', frame({ v: 1, id: 'x'.repeat(65), type: 'hello' }), null, 'BAD_FRAME'],
    ['wrong version', frame({ v: 2, id: 'v', type: 'hello' }), 'v', 'BAD_VERSION'],
    ['unknown type', frame({ v: 1, id: 'u', type: 'format-disk' }), 'u', 'UNKNOWN_TYPE'],
    ['prototype key as type', frame({ v: 1, id: 'p', type: '__proto__' }), 'p', 'UNKNOWN_TYPE'],
    ['extra fields', frame({ v: 1, id: 'e', type: 'hello', admin: true }), 'e', 'BAD_REQUEST'],
    [
      'bad field type',
      frame({ v: 1, id: 'f', type: 'remove', torrentId: 'a'.repeat(40), deleteData: 'yes' }),
      'f',
      'BAD_REQUEST',
    ],
    ['bad torrent id', frame({ v: 1, id: 'g', type: 'pause', torrentId: '../../etc' }), 'g', 'BAD_REQUEST'],
    ['not base64', frame({ v: 1, id: 'b', type: 'add-torrent', data: '!!!' }), 'b', 'BAD_REQUEST'],
    ['unknown torrent', frame({ v: 1, id: 'n', type: 'pause', torrentId: 'b'.repeat(40) }), 'n', 'NOT_FOUND'],
    [
      'magnet (not supported yet)',
      frame({ v: 1, id: 'm', type: 'add-magnet', uri: 'magnet:?xt=urn:btih:' + 'c'.repeat(40) }),
      'm',
      'NOT_SUPPORTED',
    ],
    [
      'a magnet that is not one',
      frame({ v: 1, id: 'mm', type: 'add-magnet', uri: 'javascript:alert(1)' }),
      'mm',
      'MAGNET_INVALID',
    ],
    [
      'add-url with file:',
      frame({ v: 1, id: 'uf', type: 'add-url', url: 'file:///etc/passwd' }),
      'uf',
      'FETCH_REFUSED',
    ],
    [
      'add-url with data:',
      frame({ v: 1, id: 'ud', type: 'add-url', url: 'data:application/x-bittorrent;base64,AA==' }),
      'ud',
      'FETCH_REFUSED',
    ],
    [
      'add-url with chrome:',
      frame({ v: 1, id: 'uc', type: 'add-url', url: 'chrome://settings' }),
      'uc',
      'FETCH_REFUSED',
    ],
  ];

  it.each(cases)('%s → one typed error, host still serving', async (_name, bytes, id, code) => {
    h = startLoop();
    expect(await errorFor(h, bytes, id)).toBe(code);
    await alive(h);
  });

  const badPaths: [string, string][] = [
    ['dot-dot', '../outside'],
    ['nested dot-dot', 'a/../../outside'],
    ['absolute', '/etc'],
    ['tilde', '~/x'],
    ['backslashes', '..\\..\\x'],
    ['NUL', 'a\u0000b'],
    ['drive letter', 'C:/Windows'],
  ];
  it.each(badPaths)('savePath with %s → PATH_OUTSIDE_ROOT, nothing added', async (_n, savePath) => {
    h = startLoop();
    const code = await errorFor(
      h,
      frame({ v: 1, id: 's', type: 'add-torrent', data: TORRENT_B64, savePath }),
      's',
    );
    expect(code).toBe('PATH_OUTSIDE_ROOT');
    expect(h.session().calls.filter((c) => c.startsWith('add'))).toEqual([]);
    await alive(h);
  });

  it('a savePath inside the root is accepted and resolved', async () => {
    h = startLoop();
    h.input.write(frame({ v: 1, id: 'ok', type: 'add-torrent', data: TORRENT_B64, savePath: 'films/new' }));
    const m = await h.waitFor(byId('ok'));
    expect(m['ok']).toBe(true);
    expect(h.session().calls).toEqual([
      `add ${Buffer.from(TORRENT_B64, 'base64').length} ${h.root}/films/new`,
    ]);
    await h.waitFor((x) => x['type'] === 'torrent-added');
  });

  it('set-settings refuses a relative download folder and restarts the session on a new one', async () => {
    h = startLoop();
    expect(
      await errorFor(
        h,
        frame({ v: 1, id: 'r', type: 'set-settings', settings: { downloadRoot: 'rel' } }),
        'r',
      ),
    ).toBe('PATH_OUTSIDE_ROOT');
    const first = h.session();
    h.input.write(
      frame({
        v: 1,
        id: 'r2',
        type: 'set-settings',
        settings: { downloadRoot: `${h.dir}/elsewhere`, maxPeers: 7 },
      }),
    );
    const m = await h.waitFor(byId('r2'));
    expect(m['result']).toMatchObject({
      restarted: true,
      settings: { downloadRoot: `${h.dir}/elsewhere`, maxPeers: 7 },
    });
    expect(first.closed).toBe(true);
    expect(h.session().opts).toMatchObject({ downloadRoot: `${h.dir}/elsewhere`, maxPeers: 7 });
  });

  it('open-folder opens the torrent folder or the root, passing the path as one argument', async () => {
    const opened: string[] = [];
    h = startLoop({
      openFolder: async (p) => {
        opened.push(p);
      },
    });
    h.input.write(
      frame({ v: 1, id: 'add', type: 'add-torrent', data: TORRENT_B64, savePath: 'odd; rm -rf ~' }),
    );
    const added = await h.waitFor(byId('add'));
    const id = (added['result'] as { torrent: { id: string } }).torrent.id;
    // One at a time: requests are handled concurrently, so their order of completion is not fixed.
    h.input.write(frame({ v: 1, id: 'o1', type: 'open-folder', torrentId: id }));
    await h.waitFor(byId('o1'));
    h.input.write(frame({ v: 1, id: 'o2', type: 'open-folder' }));
    await h.waitFor(byId('o2'));
    expect(opened).toEqual([`${h.root}/odd; rm -rf ~`, h.root]);
  });

  it('a repeated id while the first is in flight → DUPLICATE_ID', async () => {
    let release: () => void = () => undefined;
    h = startLoop({
      fetchUrl: () =>
        new Promise((_r, reject) => {
          release = () => reject(new Error('nope'));
        }),
    });
    h.input.write(frame({ v: 1, id: 'd', type: 'add-url', url: 'http://127.0.0.1:9/x.torrent' }));
    await new Promise((r) => setTimeout(r, 50));
    expect(await errorFor(h, frame({ v: 1, id: 'd', type: 'hello' }), 'd')).toBe('DUPLICATE_ID');
    release();
    await h.waitFor((m) => byId('d')(m) && (m['error'] as { code: string })?.code === 'INTERNAL');
  });

  it('a 4 GB length prefix then 10 bytes → FRAME_TOO_LARGE, then the loop closes the session and ends', async () => {
    h = startLoop();
    await alive(h);
    h.input.write(Buffer.concat([Buffer.from([0xff, 0xff, 0xff, 0xff]), Buffer.alloc(10, 0x41)]));
    expect(await h.exit).toBe('fatal');
    expect(
      h
        .messages()
        .filter(byId(null))
        .map((m) => (m['error'] as { code: string }).code),
    ).toEqual(['FRAME_TOO_LARGE']);
    expect(h.session().closed).toBe(true);
  });

  it('a partial frame then EOF → FRAME_TRUNCATED, session closed, loop ends', async () => {
    h = startLoop();
    await alive(h);
    h.input.end(frame({ v: 1, id: 'x', type: 'hello' }).subarray(0, 9));
    expect(await h.exit).toBe('eof');
    expect(
      h
        .messages()
        .filter(byId(null))
        .map((m) => (m['error'] as { code: string }).code),
    ).toEqual(['FRAME_TRUNCATED']);
    expect(h.session().closed).toBe(true);
  });

  it('stdin EOF closes the session (saving resume data) quickly', async () => {
    h = startLoop();
    await alive(h);
    const t0 = Date.now();
    h.input.end();
    expect(await h.exit).toBe('eof');
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(h.session().closed).toBe(true);
  });
});
