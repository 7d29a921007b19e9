/** Reading program files for the CLI. */
import { readFileSync } from 'node:fs';
import { ProgramBlob } from '../program/program-blob.js';
import { UsageError } from './args.js';

export function readProgramFile(path: string | undefined): ProgramBlob {
  if (path === undefined) throw new UsageError('missing program FILE');
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new UsageError(`cannot read '${path}': ${(error as Error).message}`);
  }
  return ProgramBlob.parse(bytes);
}
