// node scripts/run-guest.mjs DIST BLOB EXPORT [ARGS…]: calls EXPORT(ARGS) on a fresh compiler instance of BLOB,
// built from DIST (a build's dist/ directory), RUNS times (environment, default 1). For counting instructions
// (scripts/count-instructions.sh); ext_stdout and ext_clock_ms are the only host functions it defines.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [dist, blob, exportName, ...args] = process.argv.slice(2);
if (dist === undefined || blob === undefined || exportName === undefined) {
  console.error('usage: node scripts/run-guest.mjs DIST BLOB EXPORT [ARGS…]');
  process.exit(2);
}
const { Engine, Module, Linker } = await import(pathToFileURL(resolve(dist, 'index.js')).href);
const linker = new Linker().define('ext_stdout', (_caller, _pointer, length) => length).define('ext_clock_ms', () => 0n);
const instance = linker.instantiate(Module.fromBlob(new Engine({ backend: 'compiler' }), readFileSync(blob)));
for (let run = 0; run < Number(process.env.RUNS ?? 1); run++) instance.call(exportName, args.map(Number));
