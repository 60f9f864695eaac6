// Test helper: native/test/tolerances.json, the one file of kernel ("kernels") and gradient ("autograd")
// tolerances, shared by the C++ kernel driver and these tests.
import * as fs from 'fs';
import * as path from 'path';

type Tolerance = { atol: number; rtol: number; eps?: number };
type Section = { default: Tolerance } & Record<string, Tolerance>;

/**
 * The parsed tolerance file: `kernels`, `finite_difference` (float64 gradients against float64 central
 * differences) and `autograd`, each a default plus per-name overrides.
 */
export const TOLERANCES: { kernels: Section; finite_difference: Section; autograd: Section } = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', '..', '..', 'native', 'test', 'tolerances.json'), 'utf8'),
);
