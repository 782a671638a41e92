// Typed entry point for tests: the implementation is guest.mjs (plain JS, so
// test/sandbox/cli.mjs can use it without a build step); guest.d.mts types it.
export * from './guest.mjs';
export type { RunResult, RunOptions, Guest, BootOptions, SandboxInfo } from './guest.mjs';
