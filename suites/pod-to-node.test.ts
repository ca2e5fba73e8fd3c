// pod-to-node: the rows of suites/pod-to-node.ts, each a vitest test.
import suite from './pod-to-node.ts';
import { suiteTests } from './check-rows.ts';

suiteTests(suite);
