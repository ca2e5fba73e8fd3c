// Finds the suite modules: every suites/<path>.test.{ts,js} has a module suites/<path>.{ts,js}.
// Adding a path is adding those two files; nothing here names a path.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CODE_ROOT } from '../package-root.ts';
import type { SuiteModule } from './suite.ts';

const TEST_FILE = /^(.+)\.test\.(ts|js)$/;

export function suiteFiles(dir: string = path.join(CODE_ROOT, 'suites')): { name: string; module: string; test: string }[] {
  return fs
    .readdirSync(dir)
    .map((f) => TEST_FILE.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ name: m[1]!, module: path.join(dir, `${m[1]}.${m[2]}`), test: path.join(dir, m[0]) }))
    .filter((f) => fs.existsSync(f.module));
}

export async function loadSuiteModules(dir: string = path.join(CODE_ROOT, 'suites')): Promise<SuiteModule[]> {
  const modules = await Promise.all(
    suiteFiles(dir).map(async (f) => {
      const loaded = (await import(pathToFileURL(f.module).href)) as { default?: SuiteModule };
      if (!loaded.default?.name || typeof loaded.default.checks !== 'function') throw new Error(`${f.module} does not export a suite module (export default defineSuite({...}))`);
      if (loaded.default.name !== f.name) throw new Error(`${f.module} exports the suite "${loaded.default.name}"; a suite is named after its file ("${f.name}")`);
      return loaded.default;
    }),
  );
  return modules.sort((a, b) => a.order - b.order || a.name.localeCompare(b.name));
}
