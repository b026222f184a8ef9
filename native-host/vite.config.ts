import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

// One self-contained ESM file: every npm dependency is inlined, node: builtins stay imports,
// so the host runs with no node_modules beside it.
export default defineConfig({
  root: here,
  build: {
    ssr: true,
    outDir: 'dist',
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    sourcemap: false,
    rollupOptions: {
      input: { magnetar: 'src/main.ts' },
      output: { entryFileNames: '[name].mjs', format: 'es', banner: '#!/usr/bin/env node' },
    },
  },
  ssr: { noExternal: true, target: 'node' },
});
