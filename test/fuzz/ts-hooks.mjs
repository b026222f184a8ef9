// Module hooks that let plain Node 20 run the repo's .ts files: Node 20.20 has no
// --experimental-strip-types (that arrived in Node 22.6), so .ts sources are transpiled with the
// TypeScript compiler already in devDependencies. Types are only erased; nothing is type-checked.
import { readFile } from 'node:fs/promises';
import ts from 'typescript';

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return nextLoad(url, context);
  const source = await readFile(new URL(url), 'utf8');
  const out = ts.transpileModule(source, {
    fileName: url,
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      verbatimModuleSyntax: true,
      allowImportingTsExtensions: true,
      sourceMap: false,
      inlineSourceMap: true,
    },
  });
  return { format: 'module', source: out.outputText, shortCircuit: true };
}
