// loadbalancer: the rows of suites/loadbalancer.ts, each a vitest test.
import suite from './loadbalancer.ts';
import { suiteTests } from './check-rows.ts';

suiteTests(suite);
