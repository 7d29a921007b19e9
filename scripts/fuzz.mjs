// `npm run fuzz`: compiles the project with its tests, then runs the differential fuzzer (arguments pass through;
// `npm run fuzz -- --help` lists them).
import { spawnSync } from 'node:child_process';

const run = (args) => {
  const result = spawnSync(process.execPath, args, { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
};
run(['node_modules/typescript/bin/tsc', '-p', 'tsconfig.test.json']);
run(['build/test/differential/fuzz-main.js', ...process.argv.slice(2)]);
