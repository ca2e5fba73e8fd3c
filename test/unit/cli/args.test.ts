import { describe, expect, test } from 'vitest';
import { UsageError } from '../../../helpers/errors.ts';
import { parseCli, parseDuration } from '../../../helpers/cli/args.ts';

describe('parseCli', () => {
  test('defaults: run, fresh namespace, reports/junit.xml, 2m readiness timeout', () => {
    expect(parseCli([])).toMatchObject({
      command: 'run',
      namespace: undefined,
      junit: 'reports/junit.xml',
      reportDir: 'reports',
      timeoutMs: 120_000,
      concurrency: 48,
      keep: false,
      short: false,
      hostPort: undefined,
      samples: 3,
      maxLossPct: 0,
      only: [],
      skip: [],
    });
  });

  test('every flag', () => {
    const o = parseCli([
      'run',
      '--kubeconfig',
      '/k',
      '--context',
      'lab',
      '-n',
      'ns1',
      '--only',
      'pod-to-pod',
      '--only',
      'udp',
      '--skip',
      '20KiB',
      '--report-dir',
      'out',
      '--image-pull-secret',
      'pull',
      '--node-selector',
      'a=b,c=d',
      '--timeout',
      '1m30s',
      '--concurrency',
      '16',
      '--keep',
      '--short',
      '--host-port',
      '19000',
      '--registry',
      'mirror:5000',
    ]);
    expect(o).toMatchObject({
      kubeconfig: '/k',
      context: 'lab',
      namespace: 'ns1',
      only: ['pod-to-pod', 'udp'],
      skip: ['20KiB'],
      reportDir: 'out',
      junit: 'out/junit.xml',
      imagePullSecret: 'pull',
      nodeSelector: { a: 'b', c: 'd' },
      timeoutMs: 90_000,
      concurrency: 16,
      keep: true,
      short: true,
      hostPort: 19000,
      registry: 'mirror:5000',
    });
    expect(parseCli(['--junit', 'ci/j.xml']).junit).toBe('ci/j.xml');
  });

  test('--pods-per-node: 2 by default, more for scale runs', () => {
    expect(parseCli([]).podsPerNode).toBe(2);
    expect(parseCli(['--pods-per-node', '10']).podsPerNode).toBe(10);
  });

  test('subcommands and help', () => {
    expect(parseCli(['list']).command).toBe('list');
    expect(parseCli(['cleanup']).command).toBe('cleanup');
    expect(parseCli(['images', '--image', 'x/y:1']).command).toBe('images');
    expect(parseCli(['run', '-h']).command).toBe('help');
  });

  test.each([
    [['--concurrency', '0'], /--concurrency 0/],
    [['--timeout', 'soon'], /--timeout soon: not a duration/],
    [['--only', '('], /--only \(: not a valid regular expression/],
    [['--node-selector', 'nolabel'], /key=value/],
    [['-n', 'Bad_NS'], /not a valid namespace name/],
    [['--image', 'a', '--registry', 'b'], /pass one/],
    [['--frobnicate'], /frobnicate/],
    [['--image-pull-secret', 'pull'], /needs --namespace/],
    [['deploy'], /unknown command "deploy"/],
    [['run', 'extra'], /unexpected arguments: extra/],
    [['--pods-per-node', '1'], /--pods-per-node 1: expected a whole number from 2 to 26/],
    [['--pods-per-node', '30'], /--pods-per-node 30/],
  ])('%j is a usage error', (argv, message) => {
    expect(() => parseCli(argv)).toThrow(UsageError);
    expect(() => parseCli(argv)).toThrow(message);
  });

  test('durations', () => {
    expect(parseDuration('90', '--timeout')).toBe(90_000);
    expect(parseDuration('2m', '--timeout')).toBe(120_000);
    expect(parseDuration('500ms', '--timeout')).toBe(500);
    expect(() => parseDuration('2x', '--timeout')).toThrow(UsageError);
  });
});
