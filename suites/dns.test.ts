// dns: the rows of suites/dns.ts, each a vitest test.
import suite from './dns.ts';
import { suiteTests } from './check-rows.ts';

suiteTests(suite);
