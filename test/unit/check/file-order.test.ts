// The suite workers take the longest suites' files first, then the rest in vitest's order.
import { expect, test } from 'vitest';
import { longestFirst, suiteOfTestFile } from '../../../helpers/check/file-order.ts';

test('startsFirst suites go first, in the order given; the others keep their order', () => {
  const files = ['/x/suites/pod-to-pod.test.js', '/x/suites/ports.test.js', '/x/suites/dns.test.js', '/x/suites/nodeport.test.js', '/x/suites/hairpin.test.js'];
  expect(longestFirst(files, (f) => f, ['ports', 'nodeport']).map(suiteOfTestFile)).toEqual(['ports', 'nodeport', 'pod-to-pod', 'dns', 'hairpin']);
  expect(longestFirst(files, (f) => f, []).map(suiteOfTestFile)).toEqual(['pod-to-pod', 'ports', 'dns', 'nodeport', 'hairpin']);
});

test('a test file name gives its suite, sources or compiled', () => {
  expect(suiteOfTestFile('suites/pod-to-pod.test.ts')).toBe('pod-to-pod');
  expect(suiteOfTestFile('/opt/x/dist/suites/session-affinity.test.js')).toBe('session-affinity');
});
