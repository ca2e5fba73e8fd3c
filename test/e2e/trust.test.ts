// Trust under churn, concurrency and flaky links (issue 11), against the lab:
// - two full runs started at once both pass, both clean up, neither touches the other's objects;
// - a probe force-deleted while the checks run: no row fails as a network verdict, the rows
//   that depended on it are errors naming it, diagnosis says so first, exit code 1;
// - a reproduction command printed for a failed row, executed by hand, shows the same verdict;
// - 20 % packet loss between two workers is detected as intermittent loss, every run.
import { execFileSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { classify } from '../../helpers/check/classify.ts';
import { eventsOfAsk } from '../../helpers/probes/client.ts';
import type { AnswerCheck } from '../../helpers/check/types.ts';
import { FAULT_CASES } from '../detection/cases.ts';
import { describeVerdict } from '../detection/compare.ts';
import { runCase } from '../detection/run.ts';
import { describeRow, kubeconfig, kubectl, lab, requireLab, objectsLeft, resultsOf, runIdOf, startCli, type CliRun } from './cli-helpers.ts';
import path from 'node:path';
import os from 'node:os';

const up = requireLab();
const W1 = 'lab-worker-1';
const W2 = 'lab-worker-2';
/** Every host-probe pair a run announced, in order: the first planned, then any placed again. */
const hostPortsOf = (stderr: string) => [...stderr.matchAll(/host probes on (\d+)\/tcp/g)].map((m) => Number(m[1]));

describe.skipIf(!up)('trust: concurrency, churn, reproduction, loss', { sequential: true }, () => {
  test('two full runs started at once, racing for the same host-port pair: both pass on different host ports and leave nothing; the loser places its host probes again on another pair', async () => {
    // Two full runs at once, every attempt (until 2026-12-07 a test of its own ran one more pair
    // unpinned: the same claim, a minute of npm test). Both start from the same pair
    // ($NETCONFORM_HOST_PORT_START pins the first pick). A race
    // happens only when both read the cluster before either's host probes exist; when the second
    // read already sees the first run's probes there was no race, and nothing was shown: try
    // again, up to RACE_ATTEMPTS times, and fail if no attempt raced.
    const RACE_ATTEMPTS = 3;
    const attempts: string[] = [];
    let raced: { loser: CliRun; winner: CliRun } | undefined;
    for (let i = 0; i < RACE_ATTEMPTS && !raced; i++) {
      process.env.NETCONFORM_HOST_PORT_START = '0';
      let runs: CliRun[];
      try {
        runs = await Promise.all([startCli(['run', '--kubeconfig', kubeconfig()]), startCli(['run', '--kubeconfig', kubeconfig()])]);
      } finally {
        delete process.env.NETCONFORM_HOST_PORT_START;
      }
      // Raced or not, both runs pass, each its own run on its own host ports, and leave nothing.
      expect(runIdOf(runs[0]!)).not.toBe(runIdOf(runs[1]!));
      expect(hostPortsOf(runs[0]!.stderr).at(-1), 'the host ports the two runs ended on').not.toBe(hostPortsOf(runs[1]!.stderr).at(-1));
      for (const run of runs) {
        const bad = resultsOf(run)
          .results.filter((r) => r.outcome === 'failed' || r.outcome === 'error')
          .map(describeRow);
        expect({ code: run.code, bad }, run.stderr.slice(-2000)).toEqual({ code: 0, bad: [] });
        expect(objectsLeft(runIdOf(run))).toEqual([]);
      }
      const placedAgain = runs.filter((r) => /placing the host probes on another pair/.test(r.stderr));
      const firstPorts = runs.map((r) => hostPortsOf(r.stderr));
      attempts.push(`attempt ${i + 1}: host ports ${JSON.stringify(firstPorts)}, ${placedAgain.length} placed again`);
      // Two runs on one pair cannot both have been scheduled: at most one moves.
      expect(placedAgain.length, attempts.join('; ')).toBeLessThanOrEqual(1);
      if (placedAgain.length === 1) raced = { loser: placedAgain[0]!, winner: runs.find((r) => r !== placedAgain[0])! };
    }
    expect(raced, `no attempt raced for the pair (${attempts.join('; ')}): the test showed nothing`).toBeDefined();
    const { loser, winner } = raced!;
    const [loserFirst, loserFinal] = [hostPortsOf(loser.stderr)[0], hostPortsOf(loser.stderr).at(-1)];
    const winnerPorts = hostPortsOf(winner.stderr);
    // The loser had planned the winner's pair, was told so by the scheduler, and ended on another one.
    expect(winnerPorts, winner.stderr.slice(-1500)).toHaveLength(1);
    expect(loserFirst, attempts.join('; ')).toBe(winnerPorts[0]);
    expect(loser.stderr).toMatch(new RegExp(`host port ${winnerPorts[0]} was claimed by another pod between planning and scheduling`));
    expect(loserFinal).not.toBe(winnerPorts[0]);
    console.log(`host-port race: ${attempts.join('; ')}`);
  });

  test('a probe force-deleted during the checks: 0 network failures, its rows are errors naming it, diagnosis first, exit 1', async () => {
    const victim = `probe-a-${W1}`;
    let deletedAt = '';
    const run = await startCli(['run', '--kubeconfig', kubeconfig()], {
      onStderr: (text) => {
        // A few seconds into the checks: once the first progress line of the checks is out.
        if (deletedAt || !/checks: \d+\/\d+ done/.test(text)) return;
        const ns = /namespace (netconform-[0-9a-f]{6}) created/.exec(text)?.[1];
        if (!ns) return;
        deletedAt = new Date().toISOString();
        kubectl('delete', 'pod', '-n', ns, victim, '--force', '--grace-period=0', '--wait=false');
      },
    });
    expect(deletedAt, 'the probe was deleted during the run').not.toBe('');
    const results = resultsOf(run);
    const failed = results.results.filter((r) => r.outcome === 'failed');
    expect(failed.map(describeRow), 'no row is a network failure').toEqual([]);
    const errors = results.results.filter((r) => r.outcome === 'error');
    expect(errors.length).toBeGreaterThan(0);
    for (const r of errors) expect(r.reason ?? '', describeRow(r)).toMatch(new RegExp(`probe ${victim} on ${W1} was deleted during the run`));
    expect(results.diagnosis[0]).toMatch(new RegExp(`probe ${victim} .*deleted during the run`));
    // Nothing was dropped: the run reports as many rows as a healthy run (rows come from the setup topology).
    expect(results.results.length).toBeGreaterThan(200);
    expect(run.code).toBe(1);
    expect(objectsLeft(runIdOf(run))).toEqual([]);
  });

  test("a failed row's reproduction command, run by hand with --keep, shows the same verdict", async () => {
    lab('heal');
    lab('fault', 'cut-route', W1, W2);
    let ns = '';
    try {
      const run = await startCli(['run', '--kubeconfig', kubeconfig(), '--keep', '--only', `pod-to-pod ${W1}/probe-a → ${W2}/probe-b 8080/tcp$`]);
      ns = `netconform-${runIdOf(run)}`;
      const row = resultsOf(run).results.find((r) => r.outcome === 'failed');
      expect(row, run.stderr.slice(-1500)).toBeDefined();
      expect(row!.reproduce).toMatch(/^kubectl --kubeconfig \S+ exec -n netconform-[0-9a-f]+ probe-a-lab-worker-1 -c probe -- bash -o pipefail -c '.*exec 3<>\/dev\/tcp\//);
      // The printed command, run by hand: the probe's own HTTP tries (bash's /dev/tcp), its output and exit status as the check read them.
      const printed = execFileSync('bash', ['-c', row!.reproduce!], { encoding: 'utf8', timeout: 60_000 });
      const exit = /exit (\d+)\n$/.exec(printed);
      expect(exit, printed).not.toBeNull();
      const answer: AnswerCheck = { kind: 'hostname', expected: [`probe-b-${W2}`] };
      const ask = { host: row!.to.ip, port: 8080, protocol: 'tcp' as const, family: 'ipv4' as const, answer, tries: Number(row!.properties?.tries ?? 1) };
      const events = eventsOfAsk(ask, { exitCode: Number(exit![1]), output: printed.slice(0, exit!.index).replace(/\n$/, ''), ms: 0 }).map((t) => t.event);
      expect(classify(events, answer).observed).toBe(row!.observed);
    } finally {
      lab('heal');
      if (ns)
        execFileSync(process.execPath, [path.join(import.meta.dirname, '..', '..', 'bin', 'kube-netconform.js'), 'cleanup', '--kubeconfig', kubeconfig(), '-n', ns], {
          encoding: 'utf8',
          timeout: 120_000,
        });
    }
  });

  // One run here (npm test's detection step leaves loss-20 to this test; npm run detect runs it
  // too), and TRUST_LOSS_RUNS repeats it more (the README's 4 of 4 were measured so). ~60 s a run.
  test.each(Array.from({ length: Number(process.env.TRUST_LOSS_RUNS ?? 1) }, (_, i) => i + 1))('20 percent loss between two workers is detected as intermittent loss, run %i', async () => {
    const c = FAULT_CASES.find((f) => f.id === 'loss-20')!;
    const r = await runCase(c, { reportRoot: path.join(os.tmpdir(), 'netconform-trust-loss') });
    expect(r.exitCode).toBe(1);
    expect(r.verdict.ok, describeVerdict(r.verdict)).toBe(true);
    // Named first, before anything narrower.
    expect(r.run.diagnosis[0], r.run.diagnosis.join('\n')).toMatch(/^intermittent loss between lab-worker-1 and lab-worker-2: /);
  });
});
