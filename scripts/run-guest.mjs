// node scripts/run-guest.mjs DIST BLOB EXPORT [ARGS…]: calls EXPORT(ARGS) on a fresh compiler instance of BLOB,
// built from DIST (a build's dist/ directory), RUNS times (environment, default 1); with GAS=1, under synchronous gas
// metering and the naive cost model, as the benchmark's "compiler + gas" column. For counting instructions
// (scripts/count-instructions.sh); it defines the bundled guests' host functions: ext_stdout, ext_framebuffer (frames
// are dropped) and ext_clock_ms.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [dist, blob, exportName, ...args] = process.argv.slice(2);
if (dist === undefined || blob === undefined || exportName === undefined) {
  console.error('usage: node scripts/run-guest.mjs DIST BLOB EXPORT [ARGS…]');
  process.exit(2);
}
const { Engine, Module, Linker } = await import(pathToFileURL(resolve(dist, 'index.js')).href);
const linker = new Linker()
  .define('ext_stdout', (_caller, _pointer, length) => length)
  .define('ext_framebuffer', () => {})
  .define('ext_clock_ms', () => 0n);
const metered = process.env.GAS === '1';
const options = metered ? { gasMetering: 'sync', costModel: 'naive' } : {};
const instance = linker.instantiate(Module.fromBlob(new Engine({ backend: 'compiler' }), readFileSync(blob), options));
for (let run = 0; run < Number(process.env.RUNS ?? 1); run++) {
  if (metered) instance.setGas(1n << 62n);
  instance.call(exportName, args.map(Number));
}
