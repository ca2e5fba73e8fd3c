// Live runs are never cleaned up by others (issue 20). Each run holds a heartbeat Lease in its
// namespace; `cleanup` removes only runs whose Lease expired or was released, names the live
// ones it left, and --force removes those too. Against the lab:
// - a run killed with SIGKILL leaves its namespace and Lease; once the Lease has expired,
//   `cleanup` — run while another run is in its checks — removes the dead run and leaves the live
//   one, which passes;
// - `cleanup --force` removes a live run and a just-killed one (whose Lease still holds).
import { describe, expect, test } from 'vitest';
import { describeRow, kubeconfig, kubectl, objectsLeft, requireLab, resultsOf, runIdOf, startCli, type CliRun } from './cli-helpers.ts';

const up = requireLab();

/** Start a run and resolve with its id once its namespace and Lease exist (it prints the probes it creates after both). */
function startRun(args: string[], options: { killOnceDeployed?: boolean; onChecks?: () => void } = {}): { runId: Promise<string>; done: Promise<CliRun> } {
  let resolveId: (id: string) => void = () => undefined;
  const runId = new Promise<string>((resolve) => (resolveId = resolve));
  let checks = false;
  const done = startCli(['run', '--kubeconfig', kubeconfig(), ...args], {
    onStderr: (text, child) => {
      const id = /namespace netconform-([0-9a-f]{6}) created; .*creating \d+ probe pods/.exec(text)?.[1];
      if (id) {
        resolveId(id);
        if (options.killOnceDeployed && !child.killed) child.kill('SIGKILL');
      }
      if (!checks && /running the checks/.test(text)) {
        checks = true;
        options.onChecks?.();
      }
    },
  });
  return { runId, done };
}

/** Seconds until a run's Lease expires (negative: expired), as its spec says. */
function leaseExpiresIn(runId: string): number {
  const [renew, duration] = kubectl('get', 'lease', `netconform-run-${runId}`, '-n', `netconform-${runId}`, '-o', 'jsonpath={.spec.renewTime} {.spec.leaseDurationSeconds}').split(' ');
  return (new Date(renew!).getTime() + Number(duration) * 1000 - Date.now()) / 1000;
}

async function until(what: string, timeoutMs: number, condition: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1000)); // poll interval of a condition wait
  }
}

describe.skipIf(!up)('cleanup leaves live runs alone', { sequential: true }, () => {
  test('a SIGKILLed run is removed once its Lease expired; a run in its checks is left and passes', async () => {
    const dead = startRun([], { killOnceDeployed: true });
    const deadId = await dead.runId;
    const killed = await dead.done;
    expect(killed.signal).toBe('SIGKILL');
    expect(objectsLeft(deadId).length).toBeGreaterThan(0);
    const t0 = performance.now();
    await until(`the Lease of killed run ${deadId} to expire`, 60_000, () => leaseExpiresIn(deadId) < 0);
    const expiredAfter = (performance.now() - t0) / 1000;

    let cleanup: Promise<CliRun> | undefined;
    const live = startRun([], { onChecks: () => (cleanup = startCli(['cleanup', '--kubeconfig', kubeconfig()])) });
    const liveId = await live.runId;
    const run = await live.done;
    expect(cleanup, run.stderr.slice(-2000)).toBeDefined();
    const cleaned = await cleanup!;
    expect(cleaned.code, cleaned.stderr).toBe(0);
    // (Other ended runs on the lab, if any, go too: only these two are asserted.)
    expect(cleaned.stdout).toMatch(new RegExp(`removed \\d+ ended runs? \\([^)]*${deadId}`));
    expect(cleaned.stderr).toMatch(new RegExp(`removing run ${deadId} .*its heartbeat Lease expired`));
    expect(cleaned.stdout).toMatch(new RegExp(`left live run ${liveId} \\(netconform-${liveId}\\): its heartbeat Lease was renewed \\d+ s ago`));
    const bad = resultsOf(run)
      .results.filter((r) => r.outcome === 'failed' || r.outcome === 'error')
      .map(describeRow);
    expect({ code: run.code, bad }, run.stderr.slice(-2000)).toEqual({ code: 0, bad: [] });
    expect(objectsLeft(deadId)).toEqual([]);
    expect(objectsLeft(liveId)).toEqual([]);
    console.log(`killed run ${deadId}: its Lease expired ${expiredAfter.toFixed(1)} s after the kill; cleanup removed it and left live run ${liveId}, which passed`);
  });

  test('cleanup --force removes a live run and a just-killed one; plain cleanup left both', async () => {
    const dead = startRun(['--only', '^pod-to-pod '], { killOnceDeployed: true });
    const deadId = await dead.runId;
    await dead.done;
    let plain: Promise<CliRun> | undefined;
    let forced: Promise<CliRun> | undefined;
    const live = startRun([], {
      onChecks: () => {
        plain = startCli(['cleanup', '--kubeconfig', kubeconfig()]);
        forced = plain.then(() => startCli(['cleanup', '--kubeconfig', kubeconfig(), '--force']));
      },
    });
    const liveId = await live.runId;
    const run = await live.done;
    const [p, f] = [await plain!, await forced!];
    // Without --force: the killed run's Lease still holds (killed seconds ago), the other is live.
    expect(p.stdout).not.toMatch(new RegExp(`removed .*(${deadId}|${liveId})`));
    for (const id of [deadId, liveId]) expect(p.stdout).toMatch(new RegExp(`left live run ${id} `));
    expect(f.code, f.stderr).toBe(0);
    for (const id of [deadId, liveId]) expect(f.stdout).toMatch(new RegExp(`removed \\d+ ended runs \\([^)]*${id}`));
    // The live run lost its namespace under it (or had just finished its checks: they take seconds):
    // rows that could not finish are errors naming the change, never network failures.
    expect([0, 1], run.stderr.slice(-2000)).toContain(run.code);
    expect(
      resultsOf(run)
        .results.filter((r) => r.outcome === 'failed')
        .map(describeRow),
    ).toEqual([]);
    expect(objectsLeft(deadId)).toEqual([]);
    expect(objectsLeft(liveId)).toEqual([]);
  });
});
