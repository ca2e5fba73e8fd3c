// Upstream e2e.test's JUnit (Ginkgo v2's report) read into pass/fail counts, for
// `npm run lab -- upstream-e2e` (its one-line summary and exit status) and `npm run bench -- --vs-upstream`.
// As a command: tsx lab/upstream-junit.ts <junit.xml> <wall-seconds> prints the summary and the
// names of the tests that did not pass; exit 0 only when at least one test passed and none failed,
// 1 when not, 2 when the file cannot be read as JUnit.
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';

export type UpstreamStatus = 'passed' | 'failed' | 'skipped' | 'not-selected';

export interface UpstreamCase {
  /** The spec's full text without Ginkgo's "[It] " prefix, e.g. "[sig-network] Networking Granular Checks: Pods …". */
  name: string;
  /** A spec ("[It]") or a suite node (BeforeSuite, AfterSuite, ReportAfterSuite). */
  spec: boolean;
  status: UpstreamStatus;
  seconds: number;
  /** The failure or skip message, when there is one. */
  message?: string;
}

export interface UpstreamResult {
  cases: UpstreamCase[];
  /** Selected specs that passed / failed (failed, panicked, interrupted, timed out, aborted) / were skipped while running. */
  passed: number;
  failed: number;
  skipped: number;
  /** Specs the focus/skip did not select (Ginkgo lists every spec of the binary). */
  notSelected: number;
  /** Suite nodes (BeforeSuite, AfterSuite, …) that failed: every spec is in doubt then. */
  suiteFailures: number;
}

function unescapeXml(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g, (_, e: string) => {
    if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    return ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[e]!;
  });
}

function attrs(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of tag.matchAll(/([\w:-]+)="([^"]*)"/g)) out[m[1]!] = unescapeXml(m[2]!);
  return out;
}

/** Ginkgo's status attribute (or, for a JUnit without it, the child elements) as one of four states. */
function statusOf(a: Record<string, string>, body: string): { status: UpstreamStatus; message?: string } {
  const child = /<(failure|error|skipped)\b([^>]*)/.exec(body);
  const message = child ? attrs(child[2]!).message : undefined;
  const raw = a.status ?? (child ? (child[1] === 'skipped' ? 'skipped' : 'failed') : 'passed');
  if (raw === 'passed') return { status: 'passed' };
  if (raw === 'skipped' || raw === 'pending') {
    // Ginkgo reports a spec the filters left out as skipped with the bare message "skipped"; a spec
    // that ran and called Skip carries "skipped - <reason>".
    const bare = message === undefined || message.trim() === 'skipped' || raw === 'pending';
    return bare ? { status: 'not-selected' } : { status: 'skipped', message };
  }
  return { status: 'failed', ...(message ? { message } : {}) };
}

export function parseUpstreamJunit(xml: string): UpstreamResult {
  if (!/<testsuites?\b/.test(xml)) throw new Error('not a JUnit report (no <testsuites> or <testsuite> element)');
  const cases: UpstreamCase[] = [];
  for (const m of xml.matchAll(/<testcase\b([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const a = attrs(m[1]!);
    const full = a.name ?? '';
    const spec = full.startsWith('[It] ');
    const { status, message } = statusOf(a, m[3] ?? '');
    cases.push({ name: spec ? full.slice(5) : full, spec, status, seconds: Number(a.time ?? 0) || 0, ...(message ? { message } : {}) });
  }
  const specs = cases.filter((c) => c.spec);
  const count = (s: UpstreamStatus) => specs.filter((c) => c.status === s).length;
  return {
    cases,
    passed: count('passed'),
    failed: count('failed'),
    skipped: count('skipped'),
    notSelected: count('not-selected'),
    suiteFailures: cases.filter((c) => !c.spec && c.status === 'failed').length,
  };
}

/** A pass: at least one selected spec passed, none failed or was skipped, and no suite node failed. */
export function upstreamPassed(r: UpstreamResult): boolean {
  return r.passed > 0 && r.failed === 0 && r.skipped === 0 && r.suiteFailures === 0;
}

export function summaryLine(r: UpstreamResult, wallSeconds: number): string {
  const extra = [r.skipped ? `${r.skipped} skipped while running` : '', r.suiteFailures ? `${r.suiteFailures} suite node(s) failed` : ''].filter(Boolean);
  return (
    `upstream e2e: ${upstreamPassed(r) ? 'PASS' : 'FAIL'}, ${r.passed} passed, ${r.failed} failed` +
    `${extra.length ? `, ${extra.join(', ')}` : ''} of ${r.passed + r.failed + r.skipped} selected, ${wallSeconds.toFixed(1)} s`
  );
}

/** The tests that did not pass, one line each (with the first line of their message). */
export function problemLines(r: UpstreamResult): string[] {
  return r.cases.filter((c) => c.status === 'failed' || c.status === 'skipped').map((c) => `  ${c.status}: ${c.name}${c.message ? ` — ${c.message.split('\n')[0]!.slice(0, 200)}` : ''}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [file, secs] = process.argv.slice(2);
  if (!file) {
    console.error('usage: tsx lab/upstream-junit.ts <junit.xml> [wall-seconds]');
    process.exit(2);
  }
  let r: UpstreamResult;
  try {
    r = parseUpstreamJunit(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    console.error(`cannot read ${file}: ${(e as Error).message}`);
    process.exit(2);
  }
  console.log(summaryLine(r, Number(secs ?? 0)));
  for (const line of problemLines(r)) console.log(line);
  process.exit(upstreamPassed(r) ? 0 : 1);
}
