// ports: the rows of suites/ports.ts, each a vitest test.
import suite from './ports.ts';
import { suiteTests } from './check-rows.ts';

suiteTests(suite);
