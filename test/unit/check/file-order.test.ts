// The suite workers take the longest suites' files first, then the rest in vitest's order.
import { expect, test } from 'vitest';
import { longestFirst, startFirstOrder, suiteOfTestFile } from '../../../helpers/check/file-order.ts';
import { loadSuiteModules } from '../../../helpers/check/modules.ts';

test('startsFirst suites go first, in the order given; the others keep their order', () => {
  const files = ['/x/suites/pod-to-pod.test.js', '/x/suites/ports.test.js', '/x/suites/dns.test.js', '/x/suites/nodeport.test.js', '/x/suites/hairpin.test.js'];
  expect(longestFirst(files, (f) => f, ['ports', 'nodeport']).map(suiteOfTestFile)).toEqual(['ports', 'nodeport', 'pod-to-pod', 'dns', 'hairpin']);
  expect(longestFirst(files, (f) => f, []).map(suiteOfTestFile)).toEqual(['pod-to-pod', 'ports', 'dns', 'nodeport', 'hairpin']);
});

test('a test file name gives its suite, sources or compiled', () => {
  expect(suiteOfTestFile('suites/pod-to-pod.test.ts')).toBe('pod-to-pod');
  expect(suiteOfTestFile('/opt/x/dist/suites/session-affinity.test.js')).toBe('session-affinity');
});

test("the product's suites start by rank: a NetworkPolicy implementation's cases, then nodeport's must-not-answer floor, then ports", async () => {
  expect(startFirstOrder(await loadSuiteModules())).toEqual(['network-policy', 'nodeport', 'ports']);
  expect(startFirstOrder([{ name: 'pod-to-pod', startsFirst: { rank: 2, why: '' } }, { name: 'hairpin' }, { name: 'ports', startsFirst: { rank: 1, why: '' } }])).toEqual(['ports', 'pod-to-pod']);
});
