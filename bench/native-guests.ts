/**
 * The "native C" column: each CPU-bound guest's own C source compiled for the host with clang -O2 (against
 * bench/native/polkavm.h, which gives the guests a heap and leaves their imports to a driver), run by a small driver
 * in bench/native/ that times the same workload as the VM benchmark with clock_gettime and prints its result.
 * Everything is built into a temporary directory at benchmark time; without the compiler the column is skipped.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GuestWorkload } from './guest-workloads.js';
import { repoPath } from './paths.js';

export interface NativeRun {
  readonly result: string;
  /** Milliseconds of each timed run. */
  readonly ms: readonly number[];
}

/** EEMBC's CoreMark files, compiled next to the port in guest/coremark/ (as guest/build.sh does). */
const COREMARK_FILES = ['core_list_join.c', 'core_main.c', 'core_matrix.c', 'core_state.c', 'core_util.c'];
const CFLAGS = ['-O2', '-std=c11', '-Wall', '-Wextra'];

export class NativeGuests {
  readonly version: string;
  private readonly dir: string;

  private constructor(
    private readonly cc: string,
    version: string,
  ) {
    this.version = version;
    this.dir = mkdtempSync(join(tmpdir(), 'polkavm-bench-native-'));
  }

  /** The host compiler, or a note saying why there is none. */
  static open(cc: string): NativeGuests | string {
    try {
      const version = execFileSync(cc, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n')[0]!;
      return new NativeGuests(cc, version.trim());
    } catch {
      return `${cc} not found: no native column`;
    }
  }

  /**
   * Builds the driver of a workload and returns its path; throws with the reason when it cannot be built. CoreMark
   * needs EEMBC's sources (`coremarkSource`), which are not part of this repository.
   */
  build(workload: GuestWorkload, coremarkSource: string | null): string {
    const out = join(this.dir, workload.program);
    const driver = repoPath('bench', 'native', `${workload.program}.c`);
    const header = repoPath('bench', 'native');
    if (workload.program !== 'coremark') {
      // The driver includes the guest's source (guest/NAME/NAME.c), whose "polkavm.h" resolves to bench/native/.
      this.compile(['-I', header, '-I', repoPath('guest'), '-o', out, driver]);
      return out;
    }
    if (coremarkSource === null || !existsSync(join(coremarkSource, 'core_main.c'))) {
      throw new Error('no CoreMark sources (--coremark-src DIR or COREMARK_DIR)');
    }
    // EEMBC's main() becomes coremark_main so that the driver's main is the program's entry point.
    const objects = COREMARK_FILES.map((file) => {
      const object = join(this.dir, file.replace(/\.c$/, '.o'));
      this.compile(['-Wno-unused-parameter', '-Dmain=coremark_main', '-I', repoPath('guest', 'coremark'), '-I', coremarkSource, '-c', '-o', object, join(coremarkSource, file)]);
      return object;
    });
    this.compile(['-I', header, '-I', repoPath('guest', 'coremark'), '-I', coremarkSource, '-o', out, driver, ...objects]);
    return out;
  }

  private compile(args: string[]): void {
    const result = spawnSync(this.cc, [...CFLAGS, ...args], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${this.cc} ${args.join(' ')} failed:\n${result.stderr}`);
  }

  /** Runs a built driver: one warm-up run, then `runs` timed runs of the workload. */
  run(executable: string, workload: GuestWorkload, runs: number): NativeRun {
    const output = execFileSync(executable, [String(runs), ...workload.args.map(String)], { encoding: 'utf8' });
    const result = /^result (.*)$/m.exec(output)?.[1];
    const ms = /^ms(.*)$/m.exec(output)?.[1]?.trim().split(/\s+/).map(Number);
    if (result === undefined || ms === undefined || ms.some((t) => !Number.isFinite(t))) {
      throw new Error(`unexpected output from ${executable}:\n${output}`);
    }
    return { result, ms };
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
