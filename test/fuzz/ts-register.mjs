// Preload for Node 20: `node --import ./test/fuzz/ts-register.mjs test/fuzz/run.ts`.
// Worker threads inherit the flag through execArgv, so fuzz workers load .ts the same way.
import { register } from 'node:module';

register('./ts-hooks.mjs', import.meta.url);
