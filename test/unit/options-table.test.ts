// Options are parsed once, from the command table: each OptionSpec carries its
// parser (src/commands/option-parsers.ts), the entry applies them
// (parseOptions), and no command module parses an option itself.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { longFlag, optionKey, parseOptions, takesValue, type CommandSpec, type OptionSpec } from '../../src/command.js';
import { TABLE } from '../../src/commands/table.js';
import type { Context } from '../../src/context.js';
import { invoke } from '../../src/entry.js';
import { REPO } from './inventory/helpers.js';

const COMMANDS = join(REPO, 'src/commands');
const spec = (name: string): CommandSpec => TABLE.find((c) => c.name === name)!;
const everyOption = (): { command: string; o: OptionSpec }[] => TABLE.flatMap((c) => (c.options ?? []).map((o: OptionSpec) => ({ command: c.name, o })));

/** The option as a user names it, whatever its short form: `--parent <parent>`. */
const option = (flags: string): string => flags.replace(/^-[a-z], /, '');

/**
 * The one flag that means two things: export's --config names the config it
 * writes (checked as a name); apply's and assert's pick one of a plan file's
 * configs (checked against the file's names, an unknown one is exit 3).
 */
const TWO_MEANINGS = new Set(['--config <name>']);

/** Validators a command module may still call, on its positional arguments only. */
const FOR_ARGUMENTS: Record<string, string[]> = { 'remove.ts': ['checkUuid'] };

describe('options come from the command table', () => {
  it('the same option has the same parser (and the same value when absent) in every command', () => {
    const byOption = new Map<string, { command: string; o: OptionSpec }[]>();
    for (const x of everyOption()) byOption.set(option(x.o.flags), [...(byOption.get(option(x.o.flags)) ?? []), x]);
    const shared = [...byOption].filter(([name, xs]) => xs.length > 1 && !TWO_MEANINGS.has(name));
    // (else the check below proves nothing)
    expect(shared.map(([name]) => name)).toEqual(expect.arrayContaining(['--parent <parent>', '--type <type>', '--uuid <uuid>', '--timeout <duration>', '--format <format>', '--driver <driver>', '--attr <name=value>', '--output <file>']));
    for (const [name, xs] of shared) {
      const first = xs[0]!.o;
      for (const { command, o } of xs) {
        expect(o.parse, `${command} ${name}`).toBe(first.parse);
        expect(o.absent, `${command} ${name}`).toBe(first.absent);
      }
    }
  });

  it('every option that names a thing a path or a number is made of has a parser', () => {
    // A valued option without a parser reaches its command as the string given: only these may.
    const raw = everyOption().filter(({ o }) => takesValue(o.flags) && o.parse === undefined && o.choices === undefined).map(({ command, o }) => `${command} ${option(o.flags)}`);
    expect(raw.sort()).toEqual([
      'apply --config <name>', // a config of the plan file (loadPlan checks it against the file)
      'apply --file <file>', // read by loadPlan before the root check
      'assert --config <name>',
      'assert --file <file>',
      'bind --owner <user[:group]>', // resolved against /etc/passwd and /etc/group in run
      'define --jsonfile <file>', // read by readJsonfile before the root check
      'modify --jsonfile <file>',
      'modify --value <value>', // checked with its --addattr name (a rule between the two)
    ]);
  });

  it("the key an option's value is stored under is commander's", () => {
    for (const { o } of everyOption()) expect(optionKey(o.flags), o.flags).toBe(new Option(o.flags, '').attributeName());
  });

  it('parseOptions gives every declared option, parsed: flags as booleans, repeatables as lists, defaults and absent values filled in', () => {
    expect(parseOptions(spec('create'), { parent: '81:00.0', type: 'mtty-1', attr: ['a=1', 'b=2'], json: true })).toEqual({
      parent: '0000:81:00.0',
      type: 'mtty-1',
      uuid: undefined,
      count: undefined,
      attr: [{ name: 'a', value: '1' }, { name: 'b', value: '2' }],
    });
    expect(parseOptions(spec('bind'), {})).toEqual({ driver: 'vfio-pci', owner: undefined, force: false, group: false, persist: false });
    expect(parseOptions(spec('sriov'), { vfs: '2', autoprobe: false })).toEqual({ vfs: 2, autoprobe: false, force: false });
    expect(parseOptions(spec('sriov'), { vfs: '2' }).autoprobe).toBeUndefined();
    expect(parseOptions(spec('health'), { json: true })).toMatchObject({ format: 'json', timeout: 10_000, allowNone: false, expect: undefined, jobs: undefined });
    expect(parseOptions(spec('features'), {})).toMatchObject({ expiry: 3600, label: [], healthMaxAge: 86_400 });
  });

  it('a bad value is the option parser\'s exit 2, with the message it has always had', () => {
    expect(() => parseOptions(spec('create'), { parent: 'mtty', type: 'x', count: '0' })).toThrow(/^invalid --count 0: expected 1\.\.4096$/);
    expect(() => parseOptions(spec('list'), { uuid: 'nope' })).toThrow(/^invalid UUID "nope": expected 8-4-4-4-12 hex digits$/);
    expect(() => parseOptions(spec('selftest'), { json: true, format: 'junit' })).toThrow(/^--json contradicts --format junit$/);
    const err = (() => {
      try {
        parseOptions(spec('health'), { jobs: 'x' });
      } catch (e) {
        return e as { exitCode: number };
      }
    })();
    expect(err?.exitCode).toBe(2);
  });

  it('the entry parses each option once and hands the command what the parser returned', async () => {
    let calls = 0;
    const seen: unknown[] = [];
    const fake: CommandSpec = {
      name: 'fake',
      summary: 'a command of this test',
      options: [
        { flags: '--n <n>', description: 'a number', parse: (v) => (calls++, Number(v) * 10) },
        { flags: '--many <x>', description: 'a list', repeatable: true, parse: (v) => (calls++, v.toUpperCase()) },
      ],
      mutates: false,
      load: async () => ({
        check: (given: unknown) => (seen.push(given), { checked: given }),
        run: async (_ctx: Context, input: unknown) => (seen.push(input), { text: '' }),
      }),
    };
    await invoke(fake, {} as Context, { args: ['a'], opts: { n: '4', many: ['x', 'y'], json: false } }, { dryRun: true }, [fake]);
    expect(calls).toBe(3);
    const given = { args: ['a'], opts: { n: 40, many: ['X', 'Y'] }, globals: { json: false } };
    expect(seen).toEqual([given, { checked: given }]);
  });

  it('no command module parses an option: none reads raw options, and none calls a validator the option parsers are built on', () => {
    const parsersSource = readFileSync(join(COMMANDS, 'option-parsers.ts'), 'utf8');
    const validators = new Set(
      [...parsersSource.matchAll(/^import \{([^}]*)\} from '\.\.\/[^']+';$/gm)].flatMap((m) => m[1]!.split(',').map((s) => s.trim())).filter((n) => /^(check|parse)[A-Z]/.test(n)),
    );
    expect([...validators]).toEqual(expect.arrayContaining(['checkParent', 'checkUuid', 'checkInt', 'parseTimeoutMs', 'parseFormat', 'parseExpiry', 'parseLabel']));
    const modules = readdirSync(COMMANDS).filter((f) => f.endsWith('.ts') && f !== 'table.ts' && f !== 'option-parsers.ts');
    expect(modules).toEqual(expect.arrayContaining(['create.ts', 'list.ts', 'health.ts', 'start.ts']));
    for (const f of modules) {
      const text = readFileSync(join(COMMANDS, f), 'utf8');
      expect(text, f).not.toMatch(/option-parsers\.js|\bRaw\b|Record<string, unknown>\)|optString|optParent|attrsOf/);
      const imported = [...text.matchAll(/^import (?:type )?\{([^}]*)\} from '[^']+';$/gm)].flatMap((m) => m[1]!.split(',').map((s) => s.trim().replace(/^type /, '')));
      const calls = imported.filter((n) => validators.has(n));
      expect(calls, `${f} imports an option parser's validator`).toEqual(FOR_ARGUMENTS[f] ?? []);
    }
  });

  it('the global options are not the table\'s: a command option never shadows one', async () => {
    const { GLOBALS } = await import('../../src/globals.js');
    const globals = new Set(GLOBALS.map((g) => longFlag(g.flags)));
    for (const { command, o } of everyOption()) expect(globals.has(longFlag(o.flags)), `${command} ${o.flags}`).toBe(false);
  });
});
