// Each suite's plan, handed to the suite workers as soon as that suite's setup is done. The
// workers start while the probes do (their start-up, ~0.4 s of CPU each, is off the checks'
// path), import their suite files, and each file asks the CLI's thread for its suite's plan —
// the topology once the probes passed the preflight, with the suite's own settled plan. A suite
// whose settle is quick (pod-to-pod has none) runs its checks while a slow one (the ports
// suite waiting for kube-proxy to program a NodePort) still settles. Over an in-process
// BroadcastChannel, like the credentials and the probes' commands; the plan holds no secret.
import { randomUUID } from 'node:crypto';
import { BroadcastChannel } from 'node:worker_threads';
import type { RunPlan } from './plan.ts';

interface Ask {
  ask: 'plan';
  id: string;
  suite: string;
}

interface Answer {
  id: string;
  plan?: RunPlan;
  problem?: string;
}

/** How long a suite file waits for its plan: the probes' start, the preflight and its settle, each bounded on the CLI's side. */
export const PLAN_WAIT_MS = 30 * 60_000;

export interface PlanServer {
  /** The channel's name, for the workers (no secret). */
  name: string;
  /** `suite`'s plan is final: answer its file, now or when it asks. */
  offer(suite: string, plan: RunPlan): void;
  /** No plan will come (the run ended before its checks): every file waiting, and any that asks later, gets `problem`. */
  fail(problem: string): void;
  close(): void;
}

/** Answer the suite files' asks until closed. */
export function servePlans(name = `kube-netconform.plans.${randomUUID()}`): PlanServer {
  const channel = new BroadcastChannel(name);
  channel.unref();
  const plans = new Map<string, RunPlan>();
  const waiting = new Map<string, string[]>();
  let failed: string | undefined;
  const answer = (id: string, a: Omit<Answer, 'id'>) => channel.postMessage({ id, ...a } satisfies Answer);
  channel.onmessage = (event) => {
    const ask = (event as { data: Ask | Answer }).data;
    if (!('ask' in ask)) return;
    const plan = plans.get(ask.suite);
    if (plan) answer(ask.id, { plan });
    else if (failed) answer(ask.id, { problem: failed });
    else waiting.set(ask.suite, [...(waiting.get(ask.suite) ?? []), ask.id]);
  };
  return {
    name,
    offer(suite, plan) {
      plans.set(suite, plan);
      for (const id of waiting.get(suite) ?? []) answer(id, { plan });
      waiting.delete(suite);
    },
    fail(problem) {
      failed = problem;
      for (const ids of waiting.values()) for (const id of ids) answer(id, { problem });
      waiting.clear();
    },
    close: () => channel.close(),
  };
}

let asked = 0;

/** A suite file's side: its suite's plan, once the CLI's thread has it. */
export function planOf(suite: string, channelName: string, timeoutMs = PLAN_WAIT_MS): Promise<RunPlan> {
  const channel = new BroadcastChannel(channelName);
  const id = `${process.pid}.${randomUUID()}.${++asked}`;
  return new Promise<RunPlan>((resolve, reject) => {
    const timer = setTimeout(() => {
      channel.close();
      reject(new Error(`the plan of suite ${suite} did not come within ${Math.round(timeoutMs / 1000)} s`));
    }, timeoutMs);
    channel.onmessage = (event) => {
      const a = (event as { data: Ask | Answer }).data;
      if ('ask' in a || a.id !== id) return;
      clearTimeout(timer);
      channel.close();
      if (a.plan) resolve(a.plan);
      else reject(new Error(a.problem ?? `no plan for suite ${suite}`));
    };
    channel.postMessage({ ask: 'plan', id, suite } satisfies Ask);
  });
}
