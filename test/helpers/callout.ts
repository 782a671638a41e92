/**
 * A recording mdevctl callout (or notifier): appends one line per call to a
 * log, `<argv> | <stdin>`, and exits with what a file next to the log says
 * for `pre` (`<log>.refuse` holding a code; absent: 0). The same script is
 * driven by mdevctl and by accelctl in test/e2e/persist.test.ts.
 */
export function recordingScript(log: string): string {
  return `#!/bin/sh
in=$(cat)
printf '%s | %s\\n' "$*" "$in" >> '${log}'
case " $* " in *" -e pre "*) if [ -f '${log}.refuse' ]; then echo "refused by the test" >&2; exit "$(cat '${log}.refuse')"; fi ;; esac
exit 0
`;
}
