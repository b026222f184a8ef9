// `npm test`'s last step: every vitest project, then the plain closing line CI reads
// ("N passed, N failed"), keeping vitest's exit code.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';

const out = '.vitest.json';
rmSync(out, { force: true });
const r = spawnSync(
  process.execPath,
  [
    'node_modules/vitest/vitest.mjs',
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${out}`,
    ...process.argv.slice(2),
  ],
  { stdio: 'inherit' },
);
if (existsSync(out)) {
  const j = JSON.parse(readFileSync(out, 'utf8'));
  process.stdout.write(`${j.numPassedTests} passed, ${j.numFailedTests} failed\n`);
} else {
  process.stdout.write('0 passed, 1 failed\n');
}
process.exit(r.status ?? 1);
