/**
 * A second real process for the lock tests (bundled by lock.test.ts with esbuild).
 *   hold ROOT CMD      take the lock, print "held", keep it until stdin closes
 *   count ROOT FILE N  N times under the lock: read FILE's number, yield, write it + 1
 */
import fs from 'node:fs';
import { Env } from '../../../src/env.js';
import { acquireLock, withLock } from '../../../src/lock.js';

const [mode, root, arg, n] = process.argv.slice(2) as [string, string, string, string];
const env = new Env(root);

if (mode === 'hold') {
  const lock = await acquireLock(env, arg);
  process.stdout.write('held\n');
  process.stdin.resume();
  process.stdin.on('end', () => {
    lock.release();
    process.exit(0);
  });
} else {
  for (let i = 0; i < Number(n); i++) {
    await withLock(env, 'count', async () => {
      const v = Number(fs.readFileSync(arg, 'utf8'));
      await new Promise((r) => setTimeout(r, 1));
      fs.writeFileSync(arg, String(v + 1));
    });
  }
}
