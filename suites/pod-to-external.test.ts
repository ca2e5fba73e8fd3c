// pod-to-external: the rows of suites/pod-to-external.ts, each a vitest test.
import suite from './pod-to-external.ts';
import { suiteTests } from './check-rows.ts';

suiteTests(suite);
