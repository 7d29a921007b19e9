/**
 * Child process of the load-time benchmark: the first load of a program in a fresh Node.js process, where neither
 * the translator's JavaScript nor V8's WebAssembly compiler has run yet.
 *
 *   node build/bench/load-time-cold.js PROGRAM.polkavm PAGE_SIZE   →   {"setupMs": …, "readyMs": …}
 *
 * The library's one-time set-up at its first instance (the interpreter warm-up, which compiled instances share
 * for the rare mid-block resumptions) is taken first, with a tiny guest, and reported on its own as `setupMs`;
 * `readyMs` is then Module.fromBlob and the first instantiation of the program on the compiler backend.
 */
import { readFileSync } from 'node:fs';
import { Engine } from '../src/api/engine.js';
import { Module } from '../src/api/module.js';
import { repoPath } from './paths.js';
import { timed } from './stats.js';

const [path, pageSize] = process.argv.slice(2);
if (path === undefined || pageSize === undefined) throw new Error('usage: load-time-cold.js PROGRAM.polkavm PAGE_SIZE');
const tiny = readFileSync(repoPath('guest', 'bin', 'hello-rv64-O2.polkavm'));
const bytes = readFileSync(path);
const [, setupMs] = timed(() => Module.fromBlob(new Engine({ backend: 'compiler' }), tiny).instantiate());
const [, readyMs] = timed(() => Module.fromBlob(new Engine({ backend: 'compiler' }), bytes, { pageSize: Number(pageSize) }).instantiate());
process.stdout.write(`${JSON.stringify({ setupMs, readyMs })}\n`);
