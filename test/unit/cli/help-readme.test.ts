// --help and the parser are one list: help is generated from the parser's option table
// (OPTIONS), and so is the README's flag table (test/tools/gen-readme.ts; compared in
// test/unit/readme-generated.test.ts). Here: --help names every flag, each parses, and the
// help texts that state a default say what the code does.
import { describe, expect, test } from 'vitest';
import { OPTIONS, USAGE, flagLabel, parseCli, usage, type OptionSpec } from '../../../helpers/cli/args.ts';
import { MIN_WAIT_MS, ingressDeadline } from '../../../suites/loadbalancer.ts';

const specs = Object.entries(OPTIONS) as Array<[string, OptionSpec]>;

describe('--lb-timeout: the help text says what the wait does', () => {
  const created = 1_000_000;
  test("default 0: the wait is the minimum from the Service's creation, as the help says", () => {
    expect(OPTIONS['lb-timeout'].help).toContain(`default: 0, which waits ${MIN_WAIT_MS / 1000} s from its creation`);
    expect(ingressDeadline({ createdAt: created, settledAt: created, lbTimeoutMs: parseCli(['run']).lbTimeoutMs })).toBe(created + MIN_WAIT_MS);
  });
  test('"at least until the probes are ready": probes ready later than that end the wait', () => {
    expect(OPTIONS['lb-timeout'].help).toContain('at least until the probes are ready');
    expect(ingressDeadline({ createdAt: created, settledAt: created + 9_000, lbTimeoutMs: 0 })).toBe(created + 9_000);
  });
  test('"counted from its creation": --lb-timeout 2m ends 2 minutes after the Service was created', () => {
    expect(OPTIONS['lb-timeout'].help).toContain('counted from its creation');
    const { lbTimeoutMs } = parseCli(['run', '--lb-timeout', '2m']);
    expect(ingressDeadline({ createdAt: created, settledAt: created + 9_000, lbTimeoutMs })).toBe(created + 120_000);
  });
});

describe('--help', () => {
  test('lists every option of the table, with its short form and placeholder', () => {
    for (const [name, spec] of specs) expect(USAGE).toContain(flagLabel(name, spec).trim());
    expect(USAGE).toContain('--pods-per-node <n>');
    expect(USAGE).toContain('  cleanup    delete leftovers');
    expect(USAGE).toContain('-n, --namespace <name>');
  });

  test('every flag named in --help parses (string flags with a value)', () => {
    for (const [name, spec] of specs) {
      if (name === 'help' || name === 'version') continue;
      const argv = spec.type === 'boolean' ? [`--${name}`] : [`--${name}`, sampleValue(name)];
      if (name === 'image-pull-secret') argv.push('-n', 'ns');
      if (name === 'require-network-policy' || name === 'policy-timeout') argv.push('--network-policy', 'full');
      expect(() => parseCli(argv), argv.join(' ')).not.toThrow();
    }
  });

  test('wraps to the width it is given; no line is wider unless one word is', () => {
    for (const width of [80, 104, 140]) {
      for (const line of usage(width).split('\n')) {
        if (line.length > width) expect(line.trim().split(/\s+/).length, line).toBeLessThanOrEqual(3);
      }
    }
  });
});

function sampleValue(name: string): string {
  const samples: Record<string, string> = {
    timeout: '90s',
    'lb-timeout': '2m',
    'policy-timeout': '8s',
    concurrency: '8',
    'host-port': '19000',
    'node-selector': 'a=b',
    'node-address-type': 'ExternalIP',
    'pods-per-node': '4',
    'network-policy': 'core',
    namespace: 'ns',
    only: 'pod',
    skip: 'udp',
    samples: '3',
    'max-loss': '5',
    'ip-family': '6',
  };
  return samples[name] ?? 'x';
}
