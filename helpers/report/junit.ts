// JUnit view of a run: one <testsuite> per network path, one <testcase> per check row.
// CI systems (GitHub, GitLab, Jenkins) show the testcase name and the failure text, so both
// carry everything an admin needs: who talked to whom, on which port, what was expected,
// what happened, and the probable cause.

import * as junitModule from 'junit-report-builder';
import type { Builder, TestCase } from 'junit-report-builder';
import type { CheckResult, RunResults } from '../check/types.ts';
import { describeEndpoint, expectedVsObserved, groupBySuite, suiteOrder } from './matrix.ts';

/**
 * junit-report-builder is CommonJS with `module.exports = builder`, but its typings declare an
 * ES default export, so under NodeNext the runtime default is the builder itself while the
 * types see `{default: builder}`. Accept either shape. The module-level builder is a shared
 * singleton: we only use it to mint a fresh builder per render, so two renders (or two runs
 * in one process) never write into each other's XML.
 */
function freshBuilder(): Builder {
  const loaded = (junitModule as unknown as { default: unknown }).default;
  const root = (isBuilder(loaded) ? loaded : (loaded as { default: unknown }).default) as Builder;
  return root.newBuilder();
}

function isBuilder(value: unknown): value is Builder {
  return typeof (value as Builder | undefined)?.newBuilder === 'function';
}

/** Render the run as JUnit XML (a string; writing it is index.ts's job). */
export function renderJunit(run: RunResults): string {
  const builder = freshBuilder().name(`kube-netconform ${run.runId}`);
  for (const [suiteName, results] of groupBySuite(run.results, suiteOrder(run))) {
    const suite = builder.testSuite().name(suiteName).timestamp(run.startedAt);
    const phaseMs = run.phases[suiteName];
    if (phaseMs !== undefined) suite.time(phaseMs / 1000);
    suite.property('run.id', run.runId);
    suite.property('cluster.server', run.cluster.server);
    if (run.cluster.context) suite.property('cluster.context', run.cluster.context);
    if (run.cluster.kubernetesVersion) suite.property('cluster.kubernetesVersion', run.cluster.kubernetesVersion);
    if (run.cluster.cni?.length) suite.property('cluster.cni', run.cluster.cni.join(','));
    if (run.diagnosis.length > 0) suite.multilineProperty('diagnosis', run.diagnosis.join('\n'));
    for (const r of results) addTestCase(suite.testCase(), r);
  }
  return builder.build();
}

function addTestCase(tc: TestCase, r: CheckResult): void {
  tc.className(`kube-netconform.${r.suite}`)
    .name(r.name)
    .time(r.kind === 'network' ? r.latencyMs / 1000 : 0);
  for (const [name, value] of caseProperties(r)) tc.property(name, value);

  if (r.outcome === 'failed') {
    // message = the one-liner CI shows collapsed; the body = the whole story.
    tc.failure(`${expectedVsObserved(r)}: ${r.detail}`, r.kind === 'network' ? r.observed : 'FACT_FAILED');
    tc.stacktrace(failureText(r));
  } else if (r.outcome === 'error') {
    const why = r.reason ?? r.detail;
    // type = CONTROL_ERROR (runner could not drive the probe), INCONCLUSIVE, or NOT_RUN (setup failure).
    tc.error(why, r.kind === 'network' ? r.observed : 'NOT_RUN', failureText(r));
  } else if (r.outcome === 'skipped') {
    const reason = r.reason ?? 'no reason given';
    tc.skipped();
    withSkipMessage(tc, reason);
    tc.standardOutput(`skipped: ${reason}`);
  }
}

/**
 * junit-report-builder writes a bare <skipped/>; GitLab, Jenkins and most JUnit viewers show
 * the reason only from its `message` attribute, and a skip must carry its
 * reason into the report. So we add the attribute to the element the library just built.
 */
function withSkipMessage(tc: TestCase, reason: string): void {
  const build = tc.build.bind(tc);
  tc.build = (parent) => {
    const element = build(parent);
    for (const child of element.children) {
      const el = child as unknown as { name?: string; att?: (name: string, value: string) => unknown };
      if (el.name === 'skipped' && el.att) el.att('message', reason);
    }
    return element;
  };
}

/** Properties in a fixed order, then the engine's free-form extras (r.properties). */
export function caseProperties(r: CheckResult): Array<[string, string]> {
  const props: Array<[string, string | number | undefined]> =
    r.kind === 'static'
      ? [
          ['node', r.node],
          ['status', r.status],
          ['reason', r.reason],
        ]
      : [
          ['source.node', r.from.node],
          ['source.pod', r.from.pod],
          ['source.ip', r.from.ip],
          ['source.kind', r.from.kind],
          ['destination.node', r.to.node],
          ['destination.pod', r.to.pod],
          ['destination.ip', r.to.ip],
          ['destination.kind', r.to.kind],
          ['port', r.port],
          ['protocol', r.protocol],
          ['ipFamily', r.family],
          ['expect', r.expect],
          ['observed', r.observed],
          ['attempts', r.attempts],
          ['latencyMs', Math.round(r.latencyMs)],
          ['payload', r.payload],
          ['samples.sent', r.samples?.sent],
          ['samples.lost', r.samples?.lost],
          ['loss.pct', r.samples?.lossPct],
          ['latency.p50Ms', r.samples?.p50Ms],
          ['latency.p99Ms', r.samples?.p99Ms],
          ['reason', r.reason],
          ['reproduce', r.reproduce],
        ];
  const out: Array<[string, string]> = [];
  for (const [name, value] of props) if (value !== undefined && value !== '') out.push([name, String(value)]);
  for (const [name, value] of Object.entries(r.properties ?? {})) out.push([name, value]);
  for (const [i, cause] of (r.diagnosis ?? []).entries()) out.push([`diagnosis.${i + 1}`, cause]);
  return out;
}

/** The body of a <failure>/<error>: readable on its own, without the properties. */
export function failureText(r: CheckResult): string {
  const lines =
    r.kind === 'static'
      ? [r.name, expectedVsObserved(r), ...(r.node ? [`node: ${r.node}`] : [])]
      : [
          `${r.name}`,
          `${expectedVsObserved(r)}`,
          `from: ${describeEndpoint(r.from)}`,
          `to:   ${describeEndpoint(r.to)} port ${r.port}/${r.protocol}${r.payload ? `, payload ${r.payload}` : ''}`,
          `attempts: ${r.attempts}, elapsed: ${Math.round(r.latencyMs)} ms${r.samples ? `; samples: ${r.samples.sent} sent, ${r.samples.lost} lost (${r.samples.lossPct} %)${r.samples.p50Ms !== undefined ? `, latency p50 ${r.samples.p50Ms} ms, p99 ${r.samples.p99Ms} ms` : ''}` : ''}`,
        ];
  if (r.reason) lines.push(`reason: ${r.reason}`);
  if (r.detail) lines.push(`detail: ${r.detail}`);
  for (const cause of r.diagnosis ?? []) lines.push(`probable cause: ${cause}`);
  if (r.kind === 'network' && r.reproduce) lines.push(`reproduce (works while the probes exist: run with --keep): ${r.reproduce}`);
  return lines.join('\n');
}
