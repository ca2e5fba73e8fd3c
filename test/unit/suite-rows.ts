// Test helpers over the suite modules' rows: a module's rows for a fixture topology (through the
// same rowsOf the CLI and the workers use), and a flat view of network rows (control, target).
import { rowsOf, type Selection } from '../../helpers/check/select.ts';
import type { SuiteModule } from '../../helpers/check/suite.ts';
import type { Check, NetworkCheck, Protocol, StaticCheck } from '../../helpers/check/types.ts';
import type { Topology } from '../../helpers/topology.ts';
import podToPod from '../../suites/pod-to-pod.ts';
import podToService from '../../suites/pod-to-service.ts';

export type CheckRow = NetworkCheck & { control: { pod: string }; target: { host: string; port: number; protocol: Protocol }; tries: number };

export const rowsFor =
  (module: SuiteModule<never>) =>
  (topology: Topology, selection: Selection = {}): Check[] =>
    rowsOf(module as SuiteModule, topology, selection);
export const podToPodRows = rowsFor(podToPod as SuiteModule<never>);
export const podToServiceRows = rowsFor(podToService as SuiteModule<never>);

export function checks(rows: Check[]): CheckRow[] {
  return rows
    .filter((r): r is NetworkCheck => r.kind === 'network')
    .map((r) => {
      const d = r.drive;
      return {
        ...r,
        control: 'control' in d ? d.control : { pod: '' },
        target: { host: 'target' in d ? d.target.host : '', port: 'target' in d ? d.target.port : r.port, protocol: r.protocol },
        tries: d.via === 'probe' ? d.tries : 1,
      };
    });
}

export const statics = (rows: Check[], status?: StaticCheck['status']): StaticCheck[] => rows.filter((r): r is StaticCheck => r.kind === 'static' && (!status || r.status === status));
