// session-affinity: the rows of suites/session-affinity.ts, each a vitest test.
import suite from './session-affinity.ts';
import { suiteTests } from './check-rows.ts';

suiteTests(suite);
