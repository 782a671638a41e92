/** The section-8 man page, generated from the command model and the exit-code table. */
import type { Command } from 'commander';
import { EXIT_MEANING } from '../errors.js';
import { LOCK_TIMEOUT_DEFAULT_S } from '../lock.js';
import { REMOVE_TIMEOUT_DEFAULT_S, WRITE_TIMEOUT_DEFAULT_S } from '../plan/bounded.js';
import { describeProgram, type OptionModel } from './model.js';
import { PlanFile, PlanParent, PlanPartition } from '../schemas/plan.js';

/** Every key of the plan file, from its zod schema (so the page cannot miss one): `.TP` key, its description. */
function planKeys(where: string, shape: Record<string, { description?: string | undefined }>): string[] {
  return Object.entries(shape).flatMap(([key, schema]) => ['.TP', `.B ${esc(where + key)}`, esc(schema.description ?? '')]);
}

const PLAN_SECTION = (): string[] => [
  '.SH PLAN FILES',
  'What \\fBapply\\fR, \\fBassert\\fR and \\fBexport\\fR read and write: YAML, or JSON (which YAML reads too; \\fB\\-f \\-\\fR',
  'reads stdin). A plan names configs; each lists parents, each parent the full set of partitions it should',
  'have. Version v2 adds each partition\'s definition state (\\fBstart\\fR, \\fBrunning\\fR); a v1 plan reads as it always did.',
  'An error names the file and the place: \\fIfile\\fB:\\fIline\\fB:\\fIcolumn\\fB:\\fR for YAML syntax, the key path',
  '(\\fBconfigs.default[0].partitions[1].type\\fR) for a value that does not fit.',
  '.PP',
  'Top level:',
  ...planKeys('', PlanFile.shape),
  '.PP',
  'Each parent (an item of \\fBconfigs.\\fIname\\fR):',
  ...planKeys('', PlanParent.shape),
  '.PP',
  'Each partition entry (an item of \\fBpartitions\\fR; at most one of count, uuid, uuids):',
  ...planKeys('', PlanPartition.shape),
  '.PP',
  'Example (\\fBaccelctl export\\fR prints one; \\fB\\-\\-counts\\fR writes \\fBcount\\fR instead of \\fBuuids\\fR):',
  '.RS',
  '.nf',
  ...[
    'version: v2',
    'configs:',
    '  default:',
    '    - parent: mtty',
    '      partitions:',
    '        - type: mtty-1',
    '          uuids: [83b8f4f2-509f-382f-3c1e-e6bfe0fa1001]',
    '          start: none',
    '        - type: mtty-2',
    '          count: 2',
    '          attrs: {foo: bar}',
    '          start: auto',
    '        - type: mtty-1',
    '          uuid: 5b0f0000-0000-4000-8000-000000000001',
    '          start: manual',
    '          running: false',
    '      persist: true',
  ].map(esc),
  '.fi',
  '.RE',
];

const esc = (s: string): string => s.replace(/\\/g, '\\\\').replace(/-/g, '\\-').replace(/^\./gm, '\\&.');

const optionLines = (opts: OptionModel[]): string[] =>
  opts.flatMap((o) => ['.TP', `.B ${esc(o.flags)}`, esc(o.description + (o.choices ? ` (${o.choices.join(', ')})` : ''))]);

/**
 * The date .TH shows, per version: fixed, so the generated page does not
 * change by the day (the drift test compares it). A version bump without an
 * entry here fails npm run gen and that test.
 */
export const RELEASE_DATES: Record<string, string> = { '0.1.0': '2026-12-02' };

export function manPage(program: Command, version: string): string {
  const m = describeProgram(program);
  const date = RELEASE_DATES[version];
  if (date === undefined) throw new Error(`internal: no release date for version ${version} in src/docs/man.ts RELEASE_DATES`);
  const lines = [
    `.TH ACCELCTL 8 ${date} "accelctl ${version}" "System Administration"`,
    '.SH NAME',
    `accelctl \\- ${esc(program.description())}`,
    '.SH SYNOPSIS',
    '.B accelctl',
    '[\\fIGLOBAL OPTIONS\\fR] \\fICOMMAND\\fR [\\fIARGS\\fR]',
    '.SH DESCRIPTION',
    'accelctl reads the kernel\'s mediated-device parents and types, PCI functions, IOMMU groups and NUMA',
    'topology, and manages accelerator partitions through VFIO. Devices are named by mdev UUID, PCI address',
    '(0000:81:00.0, or 81:00.0 for domain 0), or VFIO group (group:9 or /dev/vfio/9).',
    'Every system path is taken under \\fB\\-\\-root\\fR, so the tool runs unchanged on a captured tree.',
    '.SH GLOBAL OPTIONS',
    'Accepted before or after the command.',
    ...optionLines(m.globals),
    '.SH COMMANDS',
  ];
  for (const c of m.commands) {
    lines.push('.SS ' + esc(`${c.name} ${c.usage}`), esc(c.description));
    for (const a of c.arguments) {
      lines.push('.TP', `.I ${esc(a.name)}`, esc(a.description + (a.choices ? ` (${a.choices.join(', ')})` : '')));
    }
    lines.push(...optionLines(c.options));
  }
  lines.push(
    '.SH ENVIRONMENT',
    '.TP',
    '.B ACCELCTL_ROOT',
    'default for \\fB\\-\\-root\\fR.',
    '.TP',
    '.B NO_COLOR',
    'set and non\\-empty: no color (unless \\fB\\-\\-color always\\fR).',
    '.TP',
    '.B FORCE_COLOR',
    'color even when stdout is not a terminal (0 turns it off).',
    '.TP',
    '.B ACCELCTL_CALLOUT_TIMEOUT',
    'how long one mdevctl callout or notifier may run (30s by default; 500ms, 10s, 2m); one that runs longer is killed, and a killed pre callout refuses the action.',
    '.TP',
    '.B ACCELCTL_LOCK_TIMEOUT',
    `seconds a mutating command waits for the host lock (default ${LOCK_TIMEOUT_DEFAULT_S}), then exits 5 naming the holder. At boot udev starts one`,
    '\\fBstart \\-\\-auto\\fR per parent at once and they queue here; one parent\\(aqs 16 definitions took about 3 s in the test guest.',
    '.TP',
    '.B ACCELCTL_REMOVE_TIMEOUT',
    `seconds a partition\\(aqs removal may stay blocked in the kernel (default ${REMOVE_TIMEOUT_DEFAULT_S}): it blocks while anything holds the device,`,
    'a device fd or a mapping included, which no process list shows. Then the command stops with exit 5 naming the write',
    'still pending, undoes what it did, and releases the host lock; the kernel finishes the removal when the holder lets go.',
    '.TP',
    '.B ACCELCTL_WRITE_TIMEOUT',
    `seconds the other writes that can block may take (default ${WRITE_TIMEOUT_DEFAULT_S}): a driver\\(aqs \\fBunbind\\fR and \\fBbind\\fR,`,
    '\\fBdrivers_probe\\fR, \\fBsriov_numvfs\\fR, \\fBdriver_override\\fR (a driver\\(aqs probe or remove runs inside them). Past it: as above.',
    '.TP',
    '.B ACCELCTL_HEALTH_WORKER_START',
    'what \\fBhealth\\fR assumes a worker thread costs to start (a duration; by default what the process took to start plus what its first test took more than the others): it starts one only when',
    'the tests left would take more than twice that per lane already testing. 0 starts them once three tests are measured.',
    '.SH FILES',
    '.TP',
    '.B /run/accelctl/lock',
    'the host lock: flock(2), so a holder that dies releases it; the file holds the holder\\(aqs pid for messages only.',
    '.TP',
    '.B /var/lib/accelctl/journal',
    'the intent of the mutating run in progress (its steps and what undoes them), written before its first write and removed when it ends.',
    'The next mutating run that finds one left by a run that died (kill, crash, power cut) warns and undoes what that run started',
    'before anything else; after a reboot only definition files are put back. Under /var/lib, not /run, because definitions survive a reboot.',
    'A journal that cannot be read is set aside as \\fIjournal.corrupt\\-TIME\\fR beside it.',
    '.TP',
    '.B /etc/mdevctl.d/\\fIparent\\fB/\\fIuuid\\fR',
    'saved partition definitions, in mdevctl\'s format: both tools read and write the same files.',
    '.TP',
    '.B /etc/accelctl/bindings/\\fIpci\\-address\\fR',
    'persisted bindings (\\fBbind \\-\\-persist\\fR), one JSON line each, \\fB{"driver":"vfio\\-pci","owner":"alice:kvm"}\\fR (owner: the',
    '\\fB\\-\\-owner\\fR given, or null), as driverctl keeps /etc/driverctl.d. When the function is added (a boot, a remove and rescan)',
    'the udev rule runs \\fBstart \\-\\-auto \\-\\-device\\fR \\fIaddress\\fR: its driver_override set, the function moved to the driver, and',
    '/dev/vfio/\\fIN\\fR given to the owner with mode 0660. \\fBunbind\\fR deletes the file; \\fBgroups\\fR shows each. The driver must be',
    'loaded when the function is added (vfio\\-pci in /etc/modules\\-load.d); otherwise the boot unit\\(aqs \\fBstart \\-\\-auto\\fR (every auto',
    'definition and every persisted binding of a function present) binds it once the driver is there.',
    '.TP',
    '.B /etc/mdevctl.d/scripts.d/callouts/\\fR, \\fB/etc/mdevctl.d/scripts.d/notifiers/',
    'mdevctl\'s callouts and notifiers, run as mdevctl runs them around define, undefine, start, stop and modify, and around each change an apply makes (as the mdevctl command making it):',
    esc('-t TYPE -e pre|post|notify -a ACTION -s none|success|failure -u UUID -p PARENT, the definition\'s JSON on stdin.'),
    'The first callout (in name order) not exiting 2 decides; a non\\-zero pre refuses the action (exit 1). Not run with \\fB\\-\\-dry\\-run\\fR.',
    '.TP',
    '.B /etc/udev/rules.d/60\\-accelctl.rules\\fR, \\fB/etc/systemd/system/accelctl\\-auto.service',
    'start the saved auto definitions of a parent when it registers, and all of them and every persisted binding once at boot, so they',
    'return after a reboot; the rule also applies a PCI function\\(aqs persisted binding when it is added. Shipped in the source as \\fBcontrib/\\fR; \\fBcontrib/install.sh \\%install\\fR writes them (naming node',
    'and accelctl by absolute path, as udev\\(aqs PATH is short) and \\fBcontrib/install.sh remove\\fR deletes exactly them.',
    'Install these or mdevctl\\(aqs rule, not both.',
    ...PLAN_SECTION(),
    '.SH JSON OUTPUT',
    'With \\fB\\-\\-json\\fR each command prints one object with \\fB"schemaVersion": 1\\fR and one array named for',
    'what it holds. \\fBaccelctl schema\\fR \\fICOMMAND\\fR prints its JSON Schema.',
    'An error prints nothing on stdout with \\fB\\-\\-json\\fR, as without it: one line \\fBaccelctl: ...\\fR on stderr',
    '(perhaps a \\fBhint:\\fR line) and an exit status from 2 to 6, or 1; so stdout is either one whole JSON document or',
    'empty. A check that ran and found problems (\\fBassert\\fR, \\fBhealth\\fR, \\fBstart \\-\\-auto\\fR with failures) is not an',
    'error: it prints its JSON and exits non\\-zero.',
    '.SH EXIT STATUS',
    ...Object.entries(EXIT_MEANING).flatMap(([code, text]) => ['.TP', `.B ${code}`, esc(text)]),
    '.TP',
    '.B 128+n',
    esc('a mutating command stopped by signal n (SIGHUP 129, SIGINT 130, SIGTERM 143): the write in progress finished, what the run had done was undone, and one line says what.'),
    '.SH SEE ALSO',
    '.BR mdevctl (8),',
    '.BR driverctl (8)',
    '',
  );
  return lines.join('\n');
}
