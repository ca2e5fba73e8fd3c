// The vitest glue every suite file uses: a suite module's rows become tests. Each test runs its
// row through the one check runner (helpers/check/run.ts), leaves the CheckResult on task.meta
// (the collector reporter gathers them) and asserts the outcome, so vitest's own view agrees
// with the reports. No suite file talks to the API itself.
import { afterAll, beforeAll, describe, inject, test } from 'vitest';
import { runCheck, type RunContext } from '../helpers/check/run.ts';
import { NO_CHECKS_TITLE, rowsOf } from '../helpers/check/select.ts';
import type { SuiteModule } from '../helpers/check/suite.ts';
import type { CheckResult } from '../helpers/check/types.ts';
import { ControlClient } from '../helpers/http.ts';
import { ProbeStreams, type CommandStreams } from '../helpers/probes/stream.ts';
import { ChannelStreams } from '../helpers/probes/stream-broker.ts';
import { ChannelCredentials } from '../helpers/credential-channel.ts';
import { fixedCredentials, type CredentialSource } from '../helpers/kube/credentials.ts';
import type { RunPlan } from '../helpers/plan.ts';
import { planOf } from '../helpers/plan-channel.ts';

declare module 'vitest' {
  interface TaskMeta {
    result?: CheckResult;
    /** On a suite file: the API requests its checks sent (exec streams, log reads), for the run's counters. */
    apiRequests?: number;
    /** On a suite file: the exec streams its checks opened (one per probe used, unless one ended under it). */
    execStreams?: number;
  }
}

/**
 * The credentials of the checks' requests: the transport provided by the globalSetup (handed
 * over by the CLI in memory, never an environment variable), renewed by asking the CLI's thread
 * over the credential channel when it expires or is rejected; or — when nothing provided it —
 * the plan's kubeconfig read here, loading the client library (read again here). One source per
 * worker, shared by its suite files.
 */
export async function controlCredentials(plan: RunPlan): Promise<CredentialSource> {
  return (credentials ??= (async () => {
    const handed = inject('control');
    const channel = inject('credentialChannel');
    if (handed) return channel ? new ChannelCredentials(handed, channel) : fixedCredentials(handed);
    const { Kube, loadKubeConfig } = await import('../helpers/kube/index.ts');
    return new Kube(loadKubeConfig(plan.kube)).credentials;
  })());
}
let credentials: Promise<CredentialSource> | undefined;

/**
 * Report the API requests this suite file's checks send: `sent()` reads the clients' running
 * totals (they may be shared with other files of the same worker, which run one after the
 * other), and the difference over the file goes on the meta of the suite the hooks belong to,
 * for the collector.
 */
export function countApiRequests(sent: () => { requests: number; execStreams: number }): void {
  let before = { requests: 0, execStreams: 0 };
  beforeAll(() => {
    before = sent();
  });
  // vitest requires a destructuring pattern as a hook's first (fixtures) argument.
  afterAll(({}, suite) => {
    const now = sent();
    suite.meta.apiRequests = now.requests - before.requests;
    suite.meta.execStreams = now.execStreams - before.execStreams;
  });
}

/** The clients of this worker, built lazily and shared by its suite files. */
const made: { control?: ControlClient } = {};
let streams: Promise<CommandStreams> | undefined;

/** One API server client per worker, and one exec stream per probe on it. */
function runContext(plan: RunPlan): RunContext {
  return {
    namespace: plan.topology.namespace,
    attempts: plan.attempts,
    probes: plan.topology.probes,
    podPort: plan.topology.ports.http,
    samples: plan.samples,
    maxLossPct: plan.maxLossPct,
    kubectl: plan.kube,
    // The run's streams through the CLI's thread when it handed them over (one exec stream per
    // probe for the whole run); otherwise this worker's own.
    streams: () =>
      (streams ??= controlCredentials(plan).then((c) => {
        made.control = new ControlClient(c, { concurrency: plan.concurrency });
        const channel = inject('streamChannel');
        return channel ? new ChannelStreams(channel, made.control) : new ProbeStreams(made.control, plan.topology.namespace);
      })),
  };
}

/**
 * This suite's plan, from the CLI's thread (the globalSetup's, run without the CLI): awaited at the
 * top of the suite file, so the file's rows exist once its suite's setup is done, while other
 * suites may already be running their checks.
 */
export function suitePlan(suite: string): Promise<RunPlan> {
  return planOf(suite, inject('planChannel'));
}

/** The rows of `module` as tests, made once its plan came (vitest awaits an async describe while it collects the file). */
export function suiteTests(module: SuiteModule): void {
  describe(module.name, async () => {
    const plan = await suitePlan(module.name);
    const rows = rowsOf(module, plan.topology, plan.selection);
    const ctx = runContext(plan);
    if (rows.length === 0) {
      test.skip(NO_CHECKS_TITLE, () => undefined);
      return;
    }
    countApiRequests(() => ({ requests: made.control?.requests ?? 0, execStreams: made.control?.execStreams ?? 0 }));
    // This file's streams end with it: its channel to the CLI thread's streams (closed by the CLI
    // when the suites end), or, run without the CLI's hand-over, its own exec streams.
    afterAll(async () => {
      const open = streams;
      streams = undefined;
      (await open?.catch(() => undefined))?.close();
    });
    // A plain loop rather than test.for: test.for's "$title" formatting quotes and truncates.
    for (const row of rows) {
      test.concurrent(row.title, async ({ task, skip }) => {
        const result = await runCheck(row, ctx);
        task.meta.result = result;
        if (result.outcome === 'skipped') skip(result.reason);
        if (result.outcome === 'error') throw new Error(result.reason ?? result.detail);
        if (result.outcome === 'failed') throw new Error(result.detail);
      });
    }
  });
}
