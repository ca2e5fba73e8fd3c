// The views of one run. The engine calls writeReports() once at the end
// of a run and prints renderTerminal(); nothing here talks to the cluster.

import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { RunResults } from '../check/types.ts';
import { renderHtml } from './html.ts';
import { renderJson } from './json.ts';
import { renderJunit } from './junit.ts';
import { renderSummaryMarkdown } from './summary-md.ts';

export { renderHtml, type HtmlOptions } from './html.ts';
export { renderJson } from './json.ts';
export { renderJunit } from './junit.ts';
export { renderSummaryMarkdown, type SummaryOptions } from './summary-md.ts';
export { renderTerminal, type TerminalOptions } from './terminal.ts';
export { verdictLine } from './matrix.ts';

export interface WriteReportsOptions {
  /** Directory for summary.md, report.html and results.json (created if missing). */
  reportDir: string;
  /** JUnit file; default `<reportDir>/junit.xml` (the CLI's --junit). */
  junitPath?: string;
}

/** Write junit.xml, summary.md, report.html and results.json; returns the paths written. */
export async function writeReports(run: RunResults, opts: WriteReportsOptions): Promise<{ junit: string; summary: string; html: string; json: string }> {
  const paths = {
    junit: opts.junitPath ?? join(opts.reportDir, 'junit.xml'),
    summary: join(opts.reportDir, 'summary.md'),
    html: join(opts.reportDir, 'report.html'),
    json: join(opts.reportDir, 'results.json'),
  };
  await mkdir(opts.reportDir, { recursive: true });
  await mkdir(dirname(paths.junit), { recursive: true });
  await Promise.all([writeFile(paths.junit, renderJunit(run)), writeFile(paths.summary, renderSummaryMarkdown(run)), writeFile(paths.html, renderHtml(run)), writeFile(paths.json, renderJson(run))]);
  return paths;
}
