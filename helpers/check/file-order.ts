// The order the suite workers take the suite files in: the suites whose modules say
// `startsFirst` (their checks take the longest) first, in the order given, then the rest in
// vitest's own order. Pure; used by suites/vitest.config.ts's sequencer.

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
