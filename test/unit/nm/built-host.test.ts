// The bundled host (native-host/dist/magnetar.mjs) as the browser runs it: argv origin check,
// stdout carrying frames only, hostile frames answered one by one, EOF → exit within seconds.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CHROME_ORIGIN, GECKO_ID } from '../../../native-host/src/protocol/ids.ts';
import { frame, rawFrame, splitFrames } from './support.ts';

const HOST = resolve('native-host/dist/magnetar.mjs');
let dir: string;
const children: ChildProcess[] = [];

beforeAll(() => {
  if (!existsSync(HOST)) throw new Error(`${HOST} is missing: run \`npm run build:host\` first`);
});
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Run {
  child: ChildProcess;
  out: () => Buffer;
  exit: Promise<number | null>;
}

function start(argv: string[]): Run {
  dir = mkdtempSync(join(tmpdir(), 'mg-built-'));
  const child = spawn(process.execPath, [HOST, ...argv], {
    env: { ...process.env, HOME: dir, MAGNETAR_HOME: join(dir, 'data'), MAGNETAR_LOG: join(dir, 'host.log') },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.push(child);
  const chunks: Buffer[] = [];
  child.stdout!.on('data', (c: Buffer) => chunks.push(c));
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, out: () => Buffer.concat(chunks), exit };
}

async function until(run: Run, n: number, ms = 10_000): Promise<Record<string, unknown>[]> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const { messages } = splitFrames(run.out());
    if (messages.filter((m) => m['type'] === 'reply').length >= n) return messages;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`fewer than ${n} replies: ${run.out().toString()}`);
}

describe('built host', () => {
  it('answers the Chrome origin; stdout parses as frames only; EOF → exit 0 within seconds', async () => {
    const run = start([CHROME_ORIGIN]);
    const t0 = performance.now();
    run.child.stdin!.write(frame({ v: 1, id: 'h', type: 'hello' }));
    const [hello] = await until(run, 1);
    const firstReplyMs = performance.now() - t0;
    expect(hello).toMatchObject({ id: 'h', ok: true, result: { protocol: 1 } });
    // Hostile frames, each one typed error, host alive.
    run.child.stdin!.write(
      Buffer.concat([
        Buffer.from([0, 0, 0, 0]),
        rawFrame(Buffer.from('{"v":')),
        frame([1]),
        frame({ v: 1, id: 'u', type: 'nope' }),
        frame({ v: 1, id: 'p', type: 'add-torrent', data: 'AAAA', savePath: '../../etc' }),
        frame({ v: 1, id: 'l', type: 'list' }),
      ]),
    );
    const msgs = await until(run, 6);
    const codes = msgs.filter((m) => m['ok'] === false).map((m) => (m['error'] as { code: string }).code);
    expect(codes).toEqual(['FRAME_EMPTY', 'BAD_JSON', 'BAD_FRAME', 'UNKNOWN_TYPE', 'PATH_OUTSIDE_ROOT']);
    expect(msgs.find((m) => m['id'] === 'l')).toMatchObject({ ok: true });
    const t1 = performance.now();
    run.child.stdin!.end();
    expect(await run.exit).toBe(0);
    const exitMs = performance.now() - t1;
    expect(exitMs).toBeLessThan(3000);
    expect(() => splitFrames(run.out())).not.toThrow();
    console.info(
      `built host: first reply ${firstReplyMs.toFixed(0)} ms after spawn, exit ${exitMs.toFixed(0)} ms after EOF`,
    );
  });

  it('accepts Firefox argv (manifest path, gecko id)', async () => {
    const run = start(['/home/x/.mozilla/native-messaging-hosts/com.magnetar.host.json', GECKO_ID]);
    run.child.stdin!.write(frame({ v: 1, id: 'h', type: 'hello' }));
    expect((await until(run, 1))[0]).toMatchObject({ ok: true });
    run.child.stdin!.end();
    expect(await run.exit).toBe(0);
  });

  it.each([
    ['another Chrome extension', ['chrome-extension://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/']],
    ['another Firefox add-on', ['/x/com.magnetar.host.json', 'evil@example.org']],
  ])('refuses %s with ORIGIN_REFUSED and exit 1', async (_n, argv) => {
    const run = start(argv);
    expect(await run.exit).toBe(1);
    expect(splitFrames(run.out()).messages).toEqual([
      expect.objectContaining({
        id: null,
        ok: false,
        error: expect.objectContaining({ code: 'ORIGIN_REFUSED' }),
      }),
    ]);
    expect(readFileSync(join(dir, 'host.log'), 'utf8')).toContain('caller refused');
  });

  it('a 4 GB length prefix then 10 bytes → FRAME_TOO_LARGE, then the host exits', async () => {
    const run = start([CHROME_ORIGIN]);
    run.child.stdin!.write(Buffer.concat([Buffer.from([0xff, 0xff, 0xff, 0xff]), Buffer.alloc(10, 0x41)]));
    expect(await run.exit).toBe(1);
    const { messages } = splitFrames(run.out());
    expect(messages.map((m) => (m['error'] as { code: string } | undefined)?.code)).toContain(
      'FRAME_TOO_LARGE',
    );
  });

  it('a partial frame then EOF → FRAME_TRUNCATED, exit 0', async () => {
    const run = start([CHROME_ORIGIN]);
    run.child.stdin!.end(frame({ v: 1, id: 'x', type: 'hello' }).subarray(0, 10));
    expect(await run.exit).toBe(0);
    const codes = splitFrames(run.out()).messages.map(
      (m) => (m['error'] as { code: string } | undefined)?.code,
    );
    expect(codes).toContain('FRAME_TRUNCATED');
  });
});
