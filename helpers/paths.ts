// Where the package's own files are, from the source tree and from a compiled build alike:
// the nearest folder above this module that holds our package.json.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

export function packageRoot(): string {
  if (root) return root;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name === 'kube-netconform') return (root = dir);
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find the kube-netconform package root above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

/** The folder of the suite modules: suites/ next to this module's tree (src or dist). */
export function suitesDir(): string {
  return path.join(path.dirname(path.dirname(fileURLToPath(import.meta.url))), 'suites');
}
