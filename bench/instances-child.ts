/**
 * Child process of the per-instance benchmark (see instances.ts):
 *
 *   node --expose-gc build/bench/instances-child.js BACKEND COUNT   →   InstanceCost as JSON
 */
import { measureInstances } from './instances.js';

const [backend, count] = process.argv.slice(2);
if (backend !== 'interpreter' && backend !== 'compiler') throw new Error('usage: instances-child.js interpreter|compiler COUNT');
process.stdout.write(`${JSON.stringify(measureInstances(backend, Number(count ?? 1000)))}\n`);
