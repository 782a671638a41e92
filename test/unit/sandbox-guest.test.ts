// The host side of the sandbox without booting it: how a guest that cannot
// come up is recognised on its console, and how a checkout path of any shape
// reaches the guest through the kernel command line.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { bootWorthRetrying, ConsoleWatcher, octalArg } from '../sandbox/guest.js';

/** Feeds `text` to a fresh watcher in chunks of `size` characters, as QEMU's file chardev grows. */
function feed(text: string, size: number): { watcher: ConsoleWatcher; firstAt: number | null } {
  const watcher = new ConsoleWatcher();
  let firstAt: number | null = null;
  for (let i = 0; i < text.length; i += size) {
    const r = watcher.push(text.slice(i, i + size));
    if (r !== null && firstAt === null) firstAt = i + size;
  }
  return { watcher, firstAt };
}

const BOOT_OK = [
  '[    0.000000] Linux version 6.1.0-57-amd64 (debian-kernel@lists.debian.org)',
  'sandbox-init: [3.41] stage 2 started',
  'sandbox-init: [9.02] coldplug done',
  'sandbox-init: [11.8] init done, starting the agent (kernel 6.1.0-57-amd64, mode agent)',
  'sandbox-agent: ready on /dev/vport1p1 at 14.2 s',
  '',
].join('\r\n');

describe('ConsoleWatcher: the one line that says why a guest cannot come up', () => {
  it('a healthy boot, however it is chunked, has no fatal line', () => {
    for (const size of [1, 7, 64, BOOT_OK.length]) expect(feed(BOOT_OK, size).watcher.fatal).toBeNull();
  });

  it('finds guest-init\'s FATAL line when a module did not load, split across chunks, without the CR', () => {
    const line = 'sandbox-init: FATAL: module vfio did not load (modprobe: FATAL: Module vfio not found in directory /lib/modules/6.1.0-57-amd64)';
    const text = `${BOOT_OK.split('\r\n').slice(0, 3).join('\r\n')}\r\n${line}\r\nreboot: Power down\r\n`;
    for (const size of [1, 5, 33, text.length]) {
      const { watcher } = feed(text, size);
      expect(watcher.fatal).toBe(line);
    }
  });

  it('reports the line as soon as it is complete, not at the end of the stream', () => {
    const before = 'sandbox-init: [2.0] stage 2 started\n';
    const line = 'sandbox-init: FATAL: no modules for kernel 6.1.0-57-amd64 in /x/lib/modules (run test/sandbox/build.sh)';
    const text = `${before}${line}\n${'[   30.1] noise after the fatal line\n'.repeat(50)}`;
    const { firstAt } = feed(text, 10);
    expect(firstAt).not.toBeNull();
    expect(firstAt!).toBeGreaterThanOrEqual(before.length + line.length + 1);
    expect(firstAt!).toBeLessThan(before.length + line.length + 1 + 10);
  });

  it('a partial line is not judged until its newline arrives', () => {
    const w = new ConsoleWatcher();
    expect(w.push('sandbox-init: FATAL: the agent cannot start')).toBeNull();
    expect(w.push(': /usr/bin/node missing\n')).toBe('sandbox-init: FATAL: the agent cannot start: /usr/bin/node missing');
  });

  it('keeps the first fatal line: later ones do not replace it', () => {
    const w = new ConsoleWatcher();
    w.push('sandbox-agent: FATAL: the agent exited with status 1 (console above)\n');
    expect(w.push('sandbox-agent: FATAL: the agent exited with status 1 (console above)\nKernel panic - not syncing: Attempted to kill init!\n')).toBe(
      'sandbox-agent: FATAL: the agent exited with status 1 (console above)',
    );
  });

  it('knows the initramfs stage\'s FATAL and a kernel panic; a mention of FATAL elsewhere in a line is not one', () => {
    expect(feed('sandbox-init: FATAL: cannot mount the 9p host root (mount_tag hostroot)\n', 8).watcher.fatal).toBe(
      'sandbox-init: FATAL: cannot mount the 9p host root (mount_tag hostroot)',
    );
    expect(feed('[    4.2] Kernel panic - not syncing: VFS: Unable to mount root fs\n', 3).watcher.fatal).toBe(
      'Kernel panic - not syncing: VFS: Unable to mount root fs',
    );
    expect(feed('sandbox-agent: echo "sandbox-init: FATAL: x" in a script\nmodprobe: FATAL: Module foo not found\n', 4).watcher.fatal).toBeNull();
  });
});

describe('the checkout path on the kernel command line', () => {
  const decode = (shell: string, word: string): string => {
    // The very decoder guest-init.sh and initramfs-init.sh run.
    const r = spawnSync(shell, ['-c', `printf %b "$(echo "$1" | sed 's/[0-7]\\{3\\}/\\\\0&/g')"`, 'sh', word], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    return r.stdout;
  };

  it('is one word of octal digits that dash decodes back byte for byte, spaces, quotes, % and UTF-8 included', () => {
    for (const p of ['/tmp/acc test', "/root/it's here", '/srv/100% ok/\\n', '/home/jürgen/accel ctl']) {
      const word = octalArg(p);
      expect(word).toMatch(/^[0-7]+$/);
      expect(decode('sh', word)).toBe(p);
    }
  });

});

describe('which boot failure is worth one more boot', () => {
  it('only the kernel\'s early IO-APIC timer panic (TCG timing), not a guest that says why or another panic', () => {
    const fatal = (line: string) => new Error(`guest failed to boot: ${line}\n--- console tail ---\n...`);
    const timer = new ConsoleWatcher().push("[    0.020000] Kernel panic - not syncing: timer doesn't work through Interrupt-remapped IO-APIC\n")!;
    expect(bootWorthRetrying(fatal(timer))).toBe(true);
    expect(bootWorthRetrying(fatal('sandbox-init: FATAL: module vfio did not load (x)'))).toBe(false);
    expect(bootWorthRetrying(fatal('Kernel panic - not syncing: VFS: Unable to mount root fs'))).toBe(false);
    expect(bootWorthRetrying(new Error('guest did not come up within 240000 ms'))).toBe(false);
    expect(bootWorthRetrying('guest failed to boot: ' + timer)).toBe(false);
  });
});
