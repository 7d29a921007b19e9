// Compiles the project with the benchmarks, then runs them (arguments are passed through).
import { spawnSync } from 'node:child_process';

const run = (args) => {
  const result = spawnSync(process.execPath, args, { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
};
run(['node_modules/typescript/bin/tsc', '-p', 'tsconfig.test.json']);
run(['build/bench/main.js', ...process.argv.slice(2)]);
