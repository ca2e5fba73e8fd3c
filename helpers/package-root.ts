// Where the package's own files are, whether this code runs from the TypeScript sources
// (<root>/helpers/…) or from the compiled build (<root>/dist/helpers/…): the package root is the
// nearest directory above this file whose package.json names kube-netconform.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'kube-netconform';
const here = fileURLToPath(import.meta.url);

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    try {
      if ((JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string }).name === PACKAGE_NAME) return dir;
    } catch {
      // no (readable) package.json here: look further up
    }
    if (path.dirname(dir) === dir) throw new Error(`cannot find the ${PACKAGE_NAME} package root above ${from}`);
  }
}

/** The installed package: package.json, manifests/, profiles/. */
export const PACKAGE_ROOT = findPackageRoot(path.dirname(here));

/** The tree the code runs from: the package root (sources) or <root>/dist (compiled). It holds helpers/ and suites/. */
export const CODE_ROOT = path.resolve(path.dirname(here), '..');

/** '.ts' when running from the sources, '.js' when compiled. */
export const CODE_EXT = path.extname(here);

/** A file shipped with the package (e.g. packageFile('manifests', 'probes.yaml')). */
export function packageFile(...parts: string[]): string {
  return path.join(PACKAGE_ROOT, ...parts);
}

/** A module of this code tree by its path without extension (e.g. codeFile('helpers/cli/collector')). */
export function codeFile(pathWithoutExt: string): string {
  return path.join(CODE_ROOT, `${pathWithoutExt}${CODE_EXT}`);
}
