// hairpin: the rows of suites/hairpin.ts, each a vitest test.
import suite from './hairpin.ts';
import { suiteTests } from './check-rows.ts';

suiteTests(suite);
