// The order the suite workers take the suite files in: the suites whose modules say
// `startsFirst` (their checks take the longest) first, by their rank, then the rest in vitest's
// own order. Pure; used by the CLI (startFirstOrder) and suites/vitest.config.ts's sequencer.
import type { SuiteModule } from './suite.ts';

/**
 * The suites to start first, by rank: network-policy (minutes where a NetworkPolicy
 * implementation runs its cases, nothing where none does), nodeport (its must-not-answer
 * floor, 1.5 s), ports (its filtered rows wait out their timeouts). Ranking pod-to-pod
 * (1.0-1.4 s, 156 rows) and dns (0.9 s) next, so that the four workers took them at once, was
 * measured slower on the routed lab (2026-12-08, 6 runs alternated: suites phase 4.2 s against
 * 3.75 s): beside them nodeport's rows took 2.3 s instead of 1.5 s, and nodeport ended last.
 */
export function startFirstOrder(modules: readonly Pick<SuiteModule, 'name' | 'startsFirst'>[]): string[] {
  return modules
    .filter((m) => m.startsFirst)
    .sort((a, b) => a.startsFirst!.rank - b.startsFirst!.rank)
    .map((m) => m.name);
}

/** A suite's name from its test file (suites/pod-to-pod.test.ts or the compiled .js). */
export function suiteOfTestFile(file: string): string {
  return (file.split('/').pop() ?? file).replace(/\.test\.[cm]?[jt]s$/, '');
}

/** `files` reordered: those of `startFirst` suites first (in that order), the others after, each group keeping its order. */
export function longestFirst<T>(files: readonly T[], fileOf: (f: T) => string, startFirst: readonly string[]): T[] {
  const rank = (f: T) => {
    const i = startFirst.indexOf(suiteOfTestFile(fileOf(f)));
    return i === -1 ? startFirst.length : i;
  };
  return files
    .map((f, i) => ({ f, i }))
    .sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i)
    .map(({ f }) => f);
}
