// Each suite's plan reaches its suite file over the in-process channel (helpers/plan-channel.ts):
// a file that asks before its suite has settled waits for it, one that asks after gets it at
// once, and a run that ends before its checks tells every waiting file why.
import { describe, expect, test } from 'vitest';
import { planOf, servePlans } from '../../../helpers/plan-channel.ts';
import type { RunPlan } from '../../../helpers/plan.ts';
import { fixtureTopology } from '../topology-fixture.ts';

const plan = (marker: string): RunPlan => ({ topology: { ...fixtureTopology(), plans: { marker } }, selection: { short: false }, kube: {}, concurrency: 8, attempts: 2 });

describe('suite plans over the plan channel', () => {
  test("a file asking before its suite settled gets its plan when it is offered; another suite's offer does not answer it", async () => {
    const server = servePlans();
    try {
      let got: RunPlan | undefined;
      const asked = planOf('ports', server.name).then((p) => (got = p));
      await new Promise((resolve) => setTimeout(resolve, 50));
      server.offer('pod-to-pod', plan('pod-to-pod'));
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(got, 'answered by the wrong suite').toBeUndefined();
      server.offer('ports', plan('ports'));
      expect((await asked).topology.plans).toEqual({ marker: 'ports' });
      // Asked after the offer: at once.
      expect((await planOf('pod-to-pod', server.name)).topology.plans).toEqual({ marker: 'pod-to-pod' });
    } finally {
      server.close();
    }
  });

  test('the run ends before its checks: waiting files and later ones get the reason, not a hang', async () => {
    const server = servePlans();
    try {
      const waiting = planOf('dns', server.name);
      await new Promise((resolve) => setTimeout(resolve, 50));
      server.fail('the run ended before its checks');
      await expect(waiting).rejects.toThrow('the run ended before its checks');
      await expect(planOf('nodeport', server.name)).rejects.toThrow('the run ended before its checks');
    } finally {
      server.close();
    }
  });

  test('no answer at all: the file gives up after its bound, naming the suite', async () => {
    await expect(planOf('hairpin', 'kube-netconform.plans.nobody', 100)).rejects.toThrow('the plan of suite hairpin did not come');
  });
});
