// Truth tables: the model per probe, a grid a person can read, and the diffs a runner needs.
import { describe, expect, test } from 'vitest';
import { changedCells, expectedTable, printComparison, printTable, wrongCells, type ProbeSet, type TruthTable } from '../../../helpers/netpol/truth-table.ts';
import { netpol, world } from './fixtures.ts';

const everyPod = [{ pod: 'x/a' }, { pod: 'x/b' }, { pod: 'y/a' }];
const probes: ProbeSet = {
  from: everyPod,
  to: everyPod,
  ports: [
    { port: 80, protocol: 'TCP' },
    { port: 80, protocol: 'UDP' },
  ],
};
const fromB = netpol('x/from-b', { podSelector: { matchLabels: { pod: 'a' } }, ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'b' } } }], ports: [{ port: 80 }] }] });

describe('expected table', () => {
  test('one cell per source × destination × port/protocol, each with the reason', () => {
    const table = expectedTable(world([fromB]), probes);
    expect(table.cells).toHaveLength(18);
    const denied = table.cells.filter((c) => !c.allowed).map((c) => `${c.from}→${c.to} ${c.port}/${c.protocol}`);
    expect(denied).toEqual(['x/b→x/a 80/UDP', 'y/a→x/a 80/TCP', 'y/a→x/a 80/UDP']);
    expect(table.cells.find((c) => c.from === 'y/a' && c.to === 'x/a' && c.protocol === 'TCP')!.reason).toContain('isolated by policies x/from-b; no rule allows');
  });

  test('overlapping probe sets give each cell once; the family is carried', () => {
    const table = expectedTable(world(), [probes, { from: [{ pod: 'x/a' }], to: [{ pod: 'x/b' }, { ip: '192.0.2.1' }], ports: [{ port: 80, protocol: 'TCP' }] }], { family: 'ipv6' });
    expect(table.cells).toHaveLength(19);
    expect(table.family).toBe('ipv6');
  });
});

describe('printed grid', () => {
  test('rows = from, columns = to, . allowed, X denied, one grid per port/protocol', () => {
    expect(printTable(expectedTable(world([fromB]), probes))).toBe(
      ['80/TCP x/a x/b y/a', 'x/a    .   .   .', 'x/b    .   .   .', 'y/a    X   .   .', '', '80/UDP x/a x/b y/a', 'x/a    .   .   .', 'x/b    X   .   .', 'y/a    X   .   .'].join('\n'),
    );
  });

  test('labels can be shortened (the run prefix) and a cell not probed prints blank', () => {
    const partial: TruthTable = {
      family: 'ipv4',
      cells: [
        { from: 'run-x/a', to: 'run-x/b', port: 81, protocol: 'UDP', allowed: false },
        { from: 'run-x/b', to: 'run-x/a', port: 81, protocol: 'UDP', allowed: true },
      ],
    };
    expect(printTable(partial, { label: (k) => k.replace('run-', '') })).toBe(['81/UDP ipv4 x/b x/a', 'x/a         X', 'x/b             .'].join('\n'));
  });
});

describe('diffs', () => {
  const expected = expectedTable(world([fromB]), probes);

  test('wrong cells: from, to, port, protocol, expected and observed; a cell not observed is "missing"', () => {
    const observed: TruthTable = {
      cells: expected.cells
        .filter((c) => !(c.from === 'x/b' && c.to === 'x/a' && c.protocol === 'UDP'))
        .map((c) => (c.from === 'y/a' && c.to === 'x/a' && c.protocol === 'TCP' ? { ...c, allowed: true } : c)),
    };
    const wrong = wrongCells(expected, observed);
    expect(wrong.map(({ reason: _, ...w }) => w)).toEqual([
      { from: 'x/b', to: 'x/a', port: 80, protocol: 'UDP', expected: false, observed: 'missing' },
      { from: 'y/a', to: 'x/a', port: 80, protocol: 'TCP', expected: false, observed: true },
    ]);
    expect(wrongCells(expected, expected)).toEqual([]);
    const text = printComparison(expected, observed);
    expect(text).toContain('2 wrong of 18');
    expect(text).toContain('y/a → x/a 80/TCP: expected denied, observed allowed');
    expect(text).toContain('x/b → x/a 80/UDP: expected denied, observed not probed');
  });

  test('changed cells: the ones whose verdict flips, and new cells (a pod that was added)', () => {
    const before = expectedTable(world(), probes);
    expect(changedCells(before, expected).map((c) => `${c.from}→${c.to} ${c.protocol} ${c.before}→${c.after}`)).toEqual(['x/b→x/a UDP true→false', 'y/a→x/a TCP true→false', 'y/a→x/a UDP true→false']);
    const grown = expectedTable(world(), { ...probes, to: [...everyPod, { pod: 'y/b' }] });
    expect(changedCells(before, grown).map((c) => [c.to, c.before])).toEqual(Array(6).fill(['y/b', undefined]));
    expect(changedCells(expected, expected)).toEqual([]);
  });
});
