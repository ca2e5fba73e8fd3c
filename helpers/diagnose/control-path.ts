import { count, explainAll, groupBy, type DiagnosisRule } from './rule.ts';

export const controlPath: DiagnosisRule = {
  id: 'control-path',
  pattern: 'control errors → the runner could not command a probe (API server → kubelet → exec stream), not the network; the rows say nothing about the data path',
  find({ open }) {
    const rows = open.filter((f) => f.seen === 'control-error' && f.outcome === 'error');
    return [...groupBy(rows, (f) => (f.from.kind === 'runner' ? f.to.node : f.from.node))].map(([node, mine]) => ({
      rule: this.id,
      cause:
        `the runner could not control the probes on ${node} (${count(mine.length, 'check')} not run): the control path ` +
        `(API server → kubelet exec on ${node}) failed, not the pod network — check that the API server reaches ${node}'s kubelet ` +
        `(TCP 10250) and that the probe pods there are Running; these rows say nothing about the data path`,
      explains: explainAll(mine, `control path, not the network: could not drive the probe on ${node}`),
    }));
  },
};
