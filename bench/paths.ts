/** Paths inside the repository, independent of the working directory (this file runs as build/bench/paths.js). */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export const repoPath = (...parts: string[]): string => join(ROOT, ...parts);
