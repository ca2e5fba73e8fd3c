#!/usr/bin/env node
// kube-netconform CLI entry: runs the compiled JavaScript in dist/ (`npm run build` makes it;
// the published package ships it). Plain Node, no TypeScript loader at run time.
const entry = new URL('../dist/helpers/cli/entry.js', import.meta.url);
try {
  await import(entry.href);
} catch (err) {
  if (err?.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes(entry.pathname)) {
    process.stderr.write(`error: ${entry.pathname} is missing: this is a source checkout; run \`npm run build\` first (or \`npm run dev -- …\` to run the sources).\n`);
    process.exit(3);
  }
  throw err;
}
