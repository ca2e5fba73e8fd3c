// --help, the parser and the README's flag table are one list: help is generated from the
// parser's option table (OPTIONS), and this test holds the README table to the same list, both
// ways: every parsed flag is documented, every documented flag is parsed.
import fs from 'node:fs';
import { describe, expect, test } from 'vitest';
import { OPTIONS, USAGE, flagLabel, parseCli, usage, type OptionSpec } from '../../../helpers/cli/args.ts';

const readme = fs.readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

/** The first-column cells of the README table whose header is `| flag | meaning |`. */
function readmeFlagCells(): string[] {
  const lines = readme.split('\n');
  const start = lines.findIndex((l) => /^\|\s*flag\s*\|\s*meaning\s*\|/.test(l));
  expect(start, 'README has a "| flag | meaning |" table').toBeGreaterThanOrEqual(0);
  const cells: string[] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    cells.push(line.split(/(?<!\\)\|/)[1]!.trim());
  }
  return cells;
}

/** Every `--long` and `-x` named in the README's flag column, as parser names ("namespace", "h" → short). */
function readmeFlags(): { long: Set<string>; short: Set<string> } {
  const long = new Set<string>();
  const short = new Set<string>();
  for (const cell of readmeFlagCells()) {
    for (const m of cell.matchAll(/(?<![\w-])--([a-z][a-z0-9-]*)/g)) long.add(m[1]!);
    for (const m of cell.matchAll(/(?<![\w-])-([a-zA-Z])\b(?!-)/g)) short.add(m[1]!);
  }
  return { long, short };
}

const specs = Object.entries(OPTIONS) as Array<[string, OptionSpec]>;

describe('README flag table ↔ parser options', () => {
  test('every option the parser accepts is in the README table', () => {
    const documented = readmeFlags().long;
    expect(specs.map(([name]) => name).filter((name) => !documented.has(name))).toEqual([]);
  });

  test('every flag the README table names is accepted by the parser', () => {
    const { long, short } = readmeFlags();
    expect([...long].filter((name) => !(name in OPTIONS))).toEqual([]);
    const shorts = new Set(specs.map(([, s]) => s.short).filter(Boolean));
    expect([...short].filter((s) => !shorts.has(s))).toEqual([]);
  });

  test('short flags in the README sit next to their long form', () => {
    for (const [name, spec] of specs) {
      if (!spec.short) continue;
      expect(
        readmeFlagCells().some((c) => c.includes(`-${spec.short}, --${name}`)),
        `-${spec.short}, --${name}`,
      ).toBe(true);
    }
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
      if (name === 'require-network-policy') argv.push('--network-policy', 'full');
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
