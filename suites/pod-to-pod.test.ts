// pod-to-pod: the rows of suites/pod-to-pod.ts, each a vitest test.
import suite from './pod-to-pod.ts';
import { suiteTests } from './check-rows.ts';

suiteTests(suite);
