// Import-cycle check (CI habit, issue 9): walks every relative import of the TypeScript sources
// from the given roots and fails naming each cycle found. Type-only imports count too: a cycle
// of types is still a knot a reader has to untie. Usage: node --import tsx test/tools/import-cycles.ts [dir…]
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const roots = process.argv.slice(2).length ? process.argv.slice(2) : ['bin', 'helpers', 'suites', 'bench', 'test'];
const files: string[] = [];
function walk(dir: string): void {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() && e.name !== 'node_modules' && e.name !== 'dist') walk(p);
    else if (/\.(ts|js|mjs)$/.test(e.name) && !e.name.endsWith('.d.ts')) files.push(path.resolve(p));
  }
}
for (const r of roots) if (fs.existsSync(r)) walk(r);

export function importsOf(file: string): string[] {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const visit = (node: ts.Node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) out.push(node.moduleSpecifier.text);
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) out.push(node.arguments[0].text);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out
    .filter((s) => s.startsWith('.'))
    .map((s) => path.resolve(path.dirname(file), s))
    .filter((p) => fs.existsSync(p));
}

const graph = new Map(files.map((f) => [f, importsOf(f)]));
const cycles: string[][] = [];
const state = new Map<string, 'visiting' | 'done'>();
const stack: string[] = [];
function dfs(f: string): void {
  state.set(f, 'visiting');
  stack.push(f);
  for (const next of graph.get(f) ?? []) {
    if (state.get(next) === 'visiting') cycles.push([...stack.slice(stack.indexOf(next)), next]);
    else if (!state.has(next)) dfs(next);
  }
  stack.pop();
  state.set(f, 'done');
}
for (const f of files) if (!state.has(f)) dfs(f);

const rel = (p: string) => path.relative(process.cwd(), p);
if (cycles.length) {
  for (const c of cycles) console.error(`import cycle: ${c.map(rel).join(' → ')}`);
  process.exit(1);
}
console.log(`import cycles: none in ${files.length} files`);
