// Row selection, the same for every path: --short goes to the module, --only/--skip are regexes
// on "<suite> <title>" applied here. `list`, the run's early empty-selection check and the
// suite workers all call rowsOf, so they agree.
import { notRunRows } from '../rows.ts';
import type { Topology } from '../topology.ts';
import type { SuiteModule } from './suite.ts';
import type { Check, IpFamily } from './types.ts';

/** A suite with no selected rows registers one skipped placeholder (not a check). */
export const NO_CHECKS_TITLE = 'no checks selected';

export interface Selection {
  /** Regexes on "<suite> <title>": keep rows matching any. */
  only?: string[];
  /** Regexes on "<suite> <title>": drop rows matching any. */
  skip?: string[];
  /** One pair per (ordered) node pair instead of every pod pair. */
  short?: boolean;
  /** --ip-family: keep the rows of this family (static rows without a family stay). */
  family?: IpFamily;
}

/** A row's IP family: a network row's own, a static row's `ipFamily` property (none: family-neutral). */
function familyOfRow(row: { family?: IpFamily; properties?: Record<string, string> }): string | undefined {
  return row.family ?? row.properties?.['ipFamily'];
}

export function select<T extends { suite: string; title: string; family?: IpFamily; properties?: Record<string, string> }>(rows: T[], selection: Selection): T[] {
  const only = (selection.only ?? []).map((r) => new RegExp(r));
  const skip = (selection.skip ?? []).map((r) => new RegExp(r));
  return rows.filter((row) => {
    if (selection.family && (familyOfRow(row) ?? selection.family) !== selection.family) return false;
    const text = `${row.suite} ${row.title}`;
    if (only.length && !only.some((r) => r.test(text))) return false;
    return !skip.some((r) => r.test(text));
  });
}

export function rowsOf(module: SuiteModule, topology: Topology, selection: Selection): Check[] {
  const rows = select(module.checks(topology, topology.plans[module.name], { short: selection.short }), selection);
  if (!topology.undeployed?.includes(module.name)) return rows;
  // The plan made before anything existed selected none of this module's rows, so its objects were
  // never made; rows the cluster as found makes anyway could only dial placeholders. They are not
  // run, saying so — never network verdicts, never silently dropped.
  return notRunRows(
    rows,
    `${module.name} deployed nothing: the run's plan (made before the probes existed) selected none of its rows, the cluster as found makes this one — a disagreement between plan and run, please report it`,
    { topology },
  );
}
