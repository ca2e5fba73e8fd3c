// pod-to-service: the rows of suites/pod-to-service.ts, each a vitest test.
import suite from './pod-to-service.ts';
import { suiteTests } from './check-rows.ts';

suiteTests(suite);
