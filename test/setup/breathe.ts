/**
 * Lets the test worker's event loop turn between tests. Vitest's worker asks
 * the main process over IPC (onTaskUpdate) and gives up after 60 s; a reply
 * that arrived while the worker ran synchronous code (spawnSync of
 * ansible-playbook, zsh, a CLI) is read only when the loop reaches its poll
 * phase, and timers are checked first. A file of synchronous tests awaited
 * only through resolved promises never reaches it, so on a loaded host the
 * reply of a call made at its start loses to the 60 s timer and vitest
 * reports "Timeout calling onTaskUpdate" after every test passed. A
 * setImmediate before and after each test lets the reply in.
 */
import { afterEach, beforeEach } from 'vitest';

const breathe = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

beforeEach(breathe);
afterEach(breathe);
