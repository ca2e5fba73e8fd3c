#!/usr/bin/env node
// kube-netconform CLI entry: runs the compiled JavaScript in dist/ (`npm run build` makes it;
// the published package ships it). Plain Node, no TypeScript loader at run time.
import v8 from 'node:v8';

// The CLI spends its life waiting on the API server and the suites: a young generation that stays
// at 1 MB (in this isolate and in the suites' worker threads, which vitest starts in this process)
// keeps ~55 MB of resident memory off the run (measured by `npm run bench`). Set before anything
// is loaded; it changes only how often V8 collects, never what the code does.
v8.setFlagsFromString('--semi-space-growth-factor=1');
v8.setFlagsFromString('--max-semi-space-size=1');
// Lets the CLI collect its garbage once before it idles through the suites (helpers/cli/suites.ts).
v8.setFlagsFromString('--expose-gc');

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
