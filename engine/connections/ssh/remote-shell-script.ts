import { killGroupScript } from './kill-group.ts';

/** Shell text the controller sends to a persistent remote shell (see remote-shell.ts for the protocol). */

/** Sets up the shell: temp dir, setsid, cleanup traps; answers `ready DIR` or `unusable REASON`. */
export function initScript(marker: string, dirName: string): string {
  // TMPDIR only if it is absolute and one line (the path comes back on a protocol line).
  return [
    'tackle_T=${TMPDIR:-/tmp}',
    'case $tackle_T in /*) ;; *) tackle_T=/tmp ;; esac',
    "case $tackle_T in *'",
    "'*) tackle_T=/tmp ;; esac",
    `tackle_T=\${tackle_T%/}/${dirName}`,
    'tackle_setsid=$(command -v setsid)',
    'case $tackle_setsid in /*) ;; *) tackle_setsid= ;; esac',
    'if [ -n "$tackle_setsid" ] && (umask 077 && mkdir -- "$tackle_T"); then',
    `  trap 'rm -rf -- "$tackle_T"' EXIT`,
    "  trap 'exit 129' HUP",
    "  trap 'exit 141' PIPE",
    "  trap 'exit 143' TERM",
    `  printf '\\n%s ready %s\\n' '${marker}' "$tackle_T"`,
    'else',
    `  printf '\\n%s unusable %s\\n' '${marker}' "\${tackle_setsid:-no setsid}"`,
    'fi',
    '',
  ].join('\n');
}

/**
 * Kills the job's process group once `seconds` have passed (kill-group.ts). It runs in a
 * process group of its own, so the shell cancels it (and its sleep) with one KILL to that group; a signal trap would race with the
 * watchdog's own start. Before it kills anything it leaves a marker file, which is how the shell
 * tells a timeout from a job that ended by itself.
 */
function watchdogScript(seconds: string, timeoutMarker: string): string {
  const body = `sleep "$1" || exit 0; : > "$2"; ${killGroupScript('$3')}`;
  return `"$tackle_setsid" sh -c '${body}' tackle-watchdog ${seconds} ${timeoutMarker} "$tackle_p" </dev/null >/dev/null 2>&1 & tackle_w=$!`;
}

/**
 * Shell text that starts `command` (already quoted, ending in the program) as job `seq`, reports
 * its pid, waits for it and reports its exit code, or `timeout` when the watchdog killed it.
 */
export function jobScript(marker: string, seq: number, command: string, withInput: boolean, timeoutMs: number | undefined): string {
  const base = `"$tackle_T/${seq}`;
  const start = withInput
    ? `{ ( ${command} ) <&3 >${base}.out" 2>${base}.err" 3<&- & tackle_p=$!; } 3<${base}.in"`
    : `( ${command} ) </dev/null >${base}.out" 2>${base}.err" & tackle_p=$!`;
  const lines = [`tackle_p=; tackle_w=; ${start}`, `printf '\\n%s pid ${seq} %s\\n' '${marker}' "$tackle_p"`];
  if (timeoutMs === undefined) {
    lines.push('[ -n "$tackle_p" ] && wait "$tackle_p"', 'tackle_rc=$?');
  } else {
    const timeoutMarker = `${base}.timeout"`;
    lines.push(
      'if [ -n "$tackle_p" ]; then',
      watchdogScript((Math.max(1, timeoutMs) / 1000).toFixed(3), timeoutMarker),
      'wait "$tackle_p"; tackle_rc=$?',
      // The group once the watchdog has called setsid, the pid in case it has not yet.
      'kill -KILL "-$tackle_w" "$tackle_w" 2>/dev/null; wait "$tackle_w" 2>/dev/null',
      `if [ -e ${timeoutMarker} ]; then tackle_rc=timeout; rm -f ${timeoutMarker}; fi`,
      'else tackle_rc=1; fi',
    );
  }
  lines.push(`printf '\\n%s done ${seq} %s\\n' '${marker}' "$tackle_rc"`, '');
  return lines.join('\n');
}
