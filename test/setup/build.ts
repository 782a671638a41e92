// Tests that spawn bin/accelctl need the bundle; esbuild makes it in well
// under a second, so every test run builds it once first.
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
}
