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
 * Kills the job's process group once `seconds` have passed: TERM first (sudo passes it on to a
 * command it runs as another user), then KILL. Exits 124 when it killed, 0 when cancelled by a
 * TERM from the shell (the job ended first); once it fires it ignores that TERM, so the shell
 * waits until the job's group is gone.
 */
function watchdogScript(seconds: string): string {
  return [
    `( trap 'kill "$tackle_s" 2>/dev/null; exit 0' TERM`,
    `sleep ${seconds} & tackle_s=$!`,
    'wait "$tackle_s" || exit 0',
    "trap '' TERM",
    'kill -TERM "-$tackle_p" 2>/dev/null || exit 0',
    'for _ in 1 2 3 4; do sleep 0.05; kill -0 "-$tackle_p" 2>/dev/null || exit 124; done',
    'kill -KILL "-$tackle_p" 2>/dev/null; exit 124 ) </dev/null >/dev/null 2>&1 & tackle_w=$!',
  ].join('\n');
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
    lines.push(
      'if [ -n "$tackle_p" ]; then',
      watchdogScript((Math.max(1, timeoutMs) / 1000).toFixed(3)),
      'wait "$tackle_p"; tackle_rc=$?',
      'kill -TERM "$tackle_w" 2>/dev/null; wait "$tackle_w"; [ "$?" = 124 ] && tackle_rc=timeout',
      'else tackle_rc=1; fi',
    );
  }
  lines.push(`printf '\\n%s done ${seq} %s\\n' '${marker}' "$tackle_rc"`, '');
  return lines.join('\n');
}
