// `npm run docs`: rewrites the README's generated blocks from the code they describe, so the
// README cannot say something the code does not:
// - `flags`: the flag table, from the parser's option table (helpers/cli/args.ts OPTIONS, the
//   same rows --help prints);
// - `diagnosis`: the diagnosis rules in the order the engine tries them
//   (helpers/diagnose/index.ts DIAGNOSIS_RULES), each with its one-line `pattern`.
// A block sits between `<!-- generated:<name> … -->` and `<!-- /generated:<name> -->`; what is
// between the markers is replaced, everything else is left as written.
// test/unit/readme-generated.test.ts fails when the README differs from what this writes.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { OPTIONS, flagLabel, type OptionSpec } from '../../helpers/cli/args.ts';
import { DIAGNOSIS_RULES } from '../../helpers/diagnose/index.ts';

export const README = path.resolve(import.meta.dirname, '..', '..', 'README.md');

/** Text in a Markdown table cell: a `|` ends the cell, and `<word>` would be read as an HTML tag. */
export function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Text inside a code span in a table cell: only `|` needs escaping there. */
const codeCell = (text: string) => `\`${text.replace(/\|/g, '\\|')}\``;

export function flagTable(): string {
  const rows = (Object.entries(OPTIONS) as Array<[string, OptionSpec]>).map(([name, spec]) => `| ${codeCell(flagLabel(name, spec).trim())} | ${cell(spec.help)} |`);
  return ['| flag | meaning |', '|---|---|', ...rows].join('\n');
}

export function diagnosisTable(): string {
  // The patterns are written as README text: their `code spans` stay code spans.
  const rows = DIAGNOSIS_RULES.map((rule, i) => `| ${i + 1} | ${rule.id} | ${rule.pattern.replace(/\|/g, '\\|')} |`);
  return ['| # | rule | pattern → cause |', '|--:|---|---|', ...rows].join('\n');
}

export const BLOCKS: Record<string, () => string> = { flags: flagTable, diagnosis: diagnosisTable };

/** The README with every generated block rewritten; throws on a block that is missing or unclosed. */
export function renderReadme(text: string): string {
  let out = text;
  for (const [name, make] of Object.entries(BLOCKS)) {
    const re = new RegExp(`(<!-- generated:${name}\\b[^>]*-->\\n)([\\s\\S]*?)(<!-- /generated:${name} -->)`);
    if (!re.test(out)) throw new Error(`README.md has no generated block "${name}" (<!-- generated:${name} --> … <!-- /generated:${name} -->)`);
    out = out.replace(re, (_m, open: string, _old: string, close: string) => `${open}${make()}\n${close}`);
  }
  return out;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const before = fs.readFileSync(README, 'utf8');
  const after = renderReadme(before);
  if (after === before) console.log('README.md: generated blocks already up to date');
  else {
    fs.writeFileSync(README, after);
    console.log(`README.md: generated blocks rewritten (${Object.keys(BLOCKS).join(', ')})`);
  }
}
