// Tests that spawn bin/accelctl need the bundle: every vitest run (unit, e2e)
// builds it once first (a few seconds; `npm test` does not build it again).
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
}
