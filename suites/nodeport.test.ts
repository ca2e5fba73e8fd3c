// nodeport: the rows of suites/nodeport.ts, each a vitest test.
import suite from './nodeport.ts';
import { suiteTests } from './check-rows.ts';

suiteTests(suite);
