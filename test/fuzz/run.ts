// In-repo fuzz loop (RELIABILITY (c)2; jazzer.js cannot load on this glibc).
//
//   node --import ./test/fuzz/ts-register.mjs test/fuzz/run.ts [target|all] [seconds] [seed]
//   node --import ./test/fuzz/ts-register.mjs test/fuzz/run.ts --write-seeds
//
// Node 20 has no --experimental-strip-types (it arrived in Node 22.6), so the `npm run fuzz` script
// needs that flag swapped for `--import ./test/fuzz/ts-register.mjs`, which transpiles .ts with the
// TypeScript compiler; under Node ≥ 22.6 both ways work. Each target runs in a worker_threads
// Worker with a heap limit; the worker copies every input into shared memory before running it and
// counts iterations. A worker with no progress for 1 s is terminated and its input saved as a hang;
// a worker that runs out of heap has its input saved as an OOM; a non-MagnetarError throw or a
// failed oracle is saved as a crash. Findings go to test/fuzz/corpus/<target>/ and make the process
// exit 1; commit them, fix the bug, and the corpus replay test keeps it fixed.

import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { targets } from './targets.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
export const CORPUS_DIR = join(HERE, 'corpus');
const HEADER = 8;
const MAX_INPUT = 256 * 1024;
const HANG_MS = 1000;
const HEAP_MB = 256;

function corpusFiles(target: string): Uint8Array[] {
  const dir = join(CORPUS_DIR, target);
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.sort().map((n) => new Uint8Array(readFileSync(join(dir, n))));
}

function save(target: string, kind: string, input: Uint8Array): string {
  const dir = join(CORPUS_DIR, target);
  mkdirSync(dir, { recursive: true });
  const hash = createHash('sha1').update(input).digest('hex').slice(0, 12);
  const file = join(dir, `${kind}-${hash}.bin`);
  writeFileSync(file, input);
  return file;
}

interface Stats {
  iterations: number;
  findings: number;
}

/** Fuzzes one target for `seconds`; resolves with its counts. */
function fuzzTarget(name: string, seconds: number, seed: number): Promise<Stats> {
  const target = targets[name]!;
  const corpus = [...target.seeds(), ...corpusFiles(name)];
  const deadline = Date.now() + seconds * 1000;
  const stats: Stats = { iterations: 0, findings: 0 };
  const seen = new Set<string>();
  const log = (s: string) => process.stderr.write(`[${name}] ${s}\n`);
  let restarts = 0;

  return new Promise((resolveRun) => {
    const start = (): void => {
      if (Date.now() >= deadline) {
        resolveRun(stats);
        return;
      }
      const shared = new SharedArrayBuffer(HEADER + MAX_INPUT);
      const counters = new Int32Array(shared, 0, 2);
      const current = () => new Uint8Array(shared, HEADER, Atomics.load(counters, 1)).slice();
      // An eval'd stub: Node 20's Worker refuses a .ts entry, and --import hooks registered in the
      // main thread do not reach workers, so the stub registers them again and then imports the
      // .ts entry through the ESM loader.
      const register = pathToFileURL(join(HERE, 'ts-register.mjs')).href;
      const entry = pathToFileURL(join(HERE, 'worker.ts')).href;
      const worker = new Worker(
        `import(${JSON.stringify(register)}).then(() => import(${JSON.stringify(entry)}))`,
        {
          eval: true,
          workerData: {
            target: name,
            corpus,
            shared,
            seed: seed + restarts * 7919,
            deadline,
            maxLen: MAX_INPUT,
          },
          resourceLimits: { maxOldGenerationSizeMb: HEAP_MB },
        },
      );
      let ready = false;
      let last = -1;
      let lastChange = Date.now();
      let done = false;
      const finish = (why: string | undefined): void => {
        if (done) return;
        done = true;
        clearInterval(watch);
        stats.iterations += Atomics.load(counters, 0);
        if (why !== undefined) {
          restarts++;
          stats.findings++;
          log(`${why}: saved ${save(name, why, current())}`);
          void worker.terminate();
        }
        start();
      };
      const watch = setInterval(() => {
        const n = Atomics.load(counters, 0);
        if (n !== last) {
          last = n;
          lastChange = Date.now();
        } else if (ready && Date.now() - lastChange > HANG_MS) {
          finish('hang');
        }
      }, 100);
      worker.on('message', (m: { kind: string; input?: Uint8Array; message?: string; stack?: string }) => {
        if (m.kind === 'ready') {
          ready = true;
          lastChange = Date.now();
        } else if (m.kind === 'crash' && m.input) {
          const key = (m.stack ?? m.message ?? '').split('\n').slice(0, 3).join('|');
          if (seen.has(key)) return;
          seen.add(key);
          stats.findings++;
          log(`crash ${m.message}: saved ${save(name, 'crash', m.input)}`);
        }
      });
      worker.on('error', (e: Error & { code?: string }) => {
        if (!ready) {
          // The harness itself is broken (a load error): respawning would only loop.
          process.stderr.write(`[${name}] worker failed to start: ${e.stack ?? e.message}\n`);
          process.exit(2);
        }
        finish(e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'oom' : `error-${e.name}`);
      });
      worker.on('exit', () => finish(undefined));
    };
    start();
  });
}

async function main(): Promise<void> {
  if (process.argv[2] === '--write-seeds') {
    // Copies the in-code seeds into the corpus so they are visible, diffable files.
    for (const [name, t] of Object.entries(targets)) for (const s of t.seeds()) save(name, 'seed', s);
    return;
  }
  const [which = 'all', secondsArg = '10', seedArg] = process.argv.slice(2);
  const names = which === 'all' ? Object.keys(targets) : [which];
  for (const n of names) {
    if (!targets[n]) {
      process.stderr.write(`unknown target ${n}; known: ${Object.keys(targets).join(', ')}\n`);
      process.exit(2);
    }
  }
  const seconds = Number(secondsArg);
  const seed = seedArg === undefined ? Date.now() & 0x7fffffff : Number(seedArg);
  process.stderr.write(`fuzz seed ${seed}, ${seconds}s per target\n`);
  let findings = 0;
  for (const n of names) {
    const s = await fuzzTarget(n, seconds, seed);
    findings += s.findings;
    process.stderr.write(`[${n}] ${s.iterations} inputs, ${s.findings} findings\n`);
  }
  process.exit(findings > 0 ? 1 : 0);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
