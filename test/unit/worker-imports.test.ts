// What the suite workers load: every suite file (suites/*.test.ts) runs in a vitest worker thread,
// which imports it and what it imports statically. None of that may reach the Kubernetes client
// library: the workers talk to the API server only through the control transport handed over in
// memory, and the library costs each worker about 1.4 s of start-up and tens of MB (a
// `createRunService` import chain once pulled it into both workers: suites.start 1.75 s per run).
// Type-only imports and dynamic `import()` (the fallback when nothing was handed over) do not load it.
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { expect, test } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const HEAVY = ['@kubernetes/client-node'];

/** The modules a file loads when it is imported: static imports and re-exports that carry a value. */
function valueImports(file: string): string[] {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  for (const node of source.statements) {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      if (clause?.isTypeOnly) continue;
      const named = clause?.namedBindings;
      // `import { type A, type B } from …` is elided by the compiler; a default or namespace import, or one value name, is not.
      if (clause && !clause.name && named && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly)) continue;
      out.push(node.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier) && !node.isTypeOnly) {
      out.push(node.moduleSpecifier.text);
    }
  }
  return out;
}

/** Each package the worker graph of `start` reaches, with the chain that reaches it. */
function reached(start: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const seen = new Set<string>();
  const walk = (file: string, chain: string[]) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of valueImports(file)) {
      if (spec.startsWith('.')) {
        const next = path.resolve(path.dirname(file), spec);
        if (fs.existsSync(next)) walk(next, [...chain, path.relative(root, next)]);
      } else if (!found.has(spec)) found.set(spec, chain);
    }
  };
  walk(start, [path.relative(root, start)]);
  return found;
}

const suiteFiles = fs
  .readdirSync(path.join(root, 'suites'))
  .filter((f) => f.endsWith('.test.ts'))
  .map((f) => path.join(root, 'suites', f));

test('no suite file loads the Kubernetes client library into its worker', () => {
  expect(suiteFiles.length).toBeGreaterThan(8);
  const chains = suiteFiles.flatMap((f) => [...reached(f)].filter(([pkg]) => HEAVY.some((h) => pkg === h || pkg.startsWith(`${h}/`))).map(([pkg, chain]) => `${pkg} ← ${chain.join(' → ')}`));
  expect(chains).toEqual([]);
});

test('the walk sees the library where it is loaded (the CLI side)', () => {
  expect([...reached(path.join(root, 'helpers/cli/run.ts')).keys()]).toContain('@kubernetes/client-node');
});
