// The README's generated blocks (test/tools/gen-readme.ts, `npm run docs`) are what the code
// makes today: the flag table from the parser's option table, the diagnosis table from the rules
// in the order the engine tries them. A rule, a flag or a help text changed without `npm run docs`
// fails here with the block to write.
import fs from 'node:fs';
import { describe, expect, test } from 'vitest';
import { OPTIONS } from '../../helpers/cli/args.ts';
import { DIAGNOSIS_RULES } from '../../helpers/diagnose/index.ts';
import { README, cell, diagnosisTable, flagTable, renderReadme } from '../tools/gen-readme.ts';

const readme = fs.readFileSync(README, 'utf8');

/** The lines between a block's markers, as the README has them. */
function block(name: string): string {
  const m = new RegExp(`<!-- generated:${name}\\b[^>]*-->\\n([\\s\\S]*?)<!-- /generated:${name} -->`).exec(readme);
  expect(m, `README.md has the generated block "${name}"`).not.toBeNull();
  return m![1]!.trimEnd();
}

describe('README generated blocks', () => {
  test('the flag table is the option table, one row per flag with its help text (run `npm run docs` after changing a flag)', () => {
    expect(block('flags')).toBe(flagTable());
  });

  test('the diagnosis table lists every rule, in the order the engine tries them, with its pattern (run `npm run docs` after changing a rule)', () => {
    expect(block('diagnosis')).toBe(diagnosisTable());
  });

  test('the whole README is what the generator writes', () => {
    expect(renderReadme(readme) === readme, 'README.md differs from `npm run docs` output').toBe(true);
  });

  test('the tables hold every rule and every flag once, none missing', () => {
    const ruleRows = block('diagnosis')
      .split('\n')
      .slice(2)
      .map((l) => l.split(' | ')[1]);
    expect(ruleRows).toEqual(DIAGNOSIS_RULES.map((r) => r.id));
    expect(new Set(ruleRows).size).toBe(DIAGNOSIS_RULES.length);
    for (const name of Object.keys(OPTIONS)) expect(block('flags').match(new RegExp(`--${name}\\b(?!-)`, 'g')), `--${name}`).not.toBeNull();
    expect(block('flags').split('\n').length - 2).toBe(Object.keys(OPTIONS).length);
  });

  test('every rule has a one-line pattern naming its cause', () => {
    for (const rule of DIAGNOSIS_RULES) {
      expect(rule.pattern, rule.id).not.toMatch(/\n/);
      expect(rule.pattern.length, rule.id).toBeGreaterThan(30);
    }
  });

  test('table cells escape what Markdown would eat: a pipe ends a cell, <word> is an HTML tag', () => {
    expect(cell('default: <report-dir>/junit.xml, a|b')).toBe('default: &lt;report-dir&gt;/junit.xml, a\\|b');
  });

  test('a block without its markers is an error, not a silent skip', () => {
    expect(() => renderReadme(readme.replace('<!-- /generated:diagnosis -->', ''))).toThrow(/no generated block "diagnosis"/);
  });
});
