// What a run deploys follows from what it checks: the rows a selection (--only/--skip,
// --ip-family) keeps in the planned topology decide which suite modules deploy and settle, and
// whether the host-network probes are started at all. A module none of whose rows is selected
// creates nothing (a `--only '^pod-to-pod '` run makes no Service, no LoadBalancer, no nodeport
// backend, no external server); host probes are made only when a selected row starts in one,
// ends in one, or belongs to a module whose setup asks them (pod-to-external). Pure.
import type { Topology } from '../topology.ts';
import { rowsOf, type Selection } from './select.ts';
import type { SuiteModule } from './suite.ts';
import type { Check } from './types.ts';

export interface DeployNeeds {
  /** Modules with at least one selected row: only these deploy and settle. */
  modules: string[];
  /** Whether any selected row (or a selected module's setup) needs the hostNetwork probes. */
  hostProbes: boolean;
  /** One line per module, for the progress output: what is deployed and what is not. */
  why: string[];
}

/** Rows that are checks of the module's own (not the setup rows every suite repeats for skipped nodes and unready probes). */
const isSetupRow = (row: Check) => row.kind === 'static' && (row.properties?.['phase'] === 'setup' || /^node .* skipped$/.test(row.title));

/** Does a row start in, end in, or get commanded through a host probe? */
export function usesHostProbe(row: Check, hostProbeNames: ReadonlySet<string>): boolean {
  if (row.kind !== 'network') return false;
  if (row.from.kind === 'host' || (row.to.kind === 'host' && row.to.pod)) return true;
  const drive = row.drive as { control?: { pod?: string } };
  return drive.control?.pod !== undefined && hostProbeNames.has(drive.control.pod);
}

/**
 * The deploy plan of a run: which modules deploy, and whether host probes are needed. `planned`
 * is the topology before anything exists (every probe as if ready, host probes included), so the
 * rows are exactly those `list` prints for the same flags.
 */
export function deployNeeds(modules: readonly SuiteModule[], planned: Topology, selection: Selection): DeployNeeds {
  const hostNames = new Set(planned.probes.filter((p) => p.role === 'host').map((p) => p.name));
  const out: DeployNeeds = { modules: [], hostProbes: false, why: [] };
  for (const m of modules) {
    const rows = rowsOf(m, planned, selection).filter((r) => !isSetupRow(r));
    if (rows.length === 0) {
      out.why.push(`${m.name}: no row selected, nothing deployed for it`);
      continue;
    }
    out.modules.push(m.name);
    if (m.hostProbesAtSettle || rows.some((r) => usesHostProbe(r, hostNames))) out.hostProbes = true;
  }
  return out;
}
