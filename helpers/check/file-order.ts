// The order the suite workers take the suite files in: the suites whose modules say
// `startsFirst` (their checks take the longest) first, by their rank, then the rest in vitest's
// own order. Pure; used by the CLI (startFirstOrder) and suites/vitest.config.ts's sequencer.
import type { SuiteModule } from './suite.ts';

/**
 * The suites to start first, by rank: the files the suite workers (four) take at once are
 * those that take the longest, the short ones fill in after. Measured on the routed lab
 * (2026-12-08): nodeport 1.5 s (its must-not-answer floor), pod-to-pod 1.0-1.4 s (156 rows),
 * dns 0.9 s; ports 0.1-0.3 s there but its filtered rows wait out their timeouts; network-policy
 * takes minutes where a NetworkPolicy implementation runs its cases and nothing where none does.
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
