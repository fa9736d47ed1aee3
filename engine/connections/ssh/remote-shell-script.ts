import { killGroupScript } from './kill-group.ts';

/** Shell text the controller sends to a persistent remote shell (see remote-shell.ts for the protocol). */

/**
 * Sets up the shell: temp dir, setsid, cleanup traps; answers `ready DIR` or `unusable REASON`.
 * The shell itself runs under umask 077, so the output files it creates for a job are 0600 (a
 * command may print a private key); each job gets the login umask back (tackle_umask).
 */
export function initScript(marker: string, dirName: string): string {
  // TMPDIR only if it is absolute and one line (the path comes back on a protocol line).
  return [
    'tackle_T=${TMPDIR:-/tmp}',
    'case $tackle_T in /*) ;; *) tackle_T=/tmp ;; esac',
    "case $tackle_T in *'",
    "'*) tackle_T=/tmp ;; esac",
    // tackle-shPID-...: the name tells a later run's sweep whose dir it is (connections/temp-file.ts).
    `tackle_T=\${tackle_T%/}/tackle-sh$$-${dirName}`,
    'tackle_setsid=$(command -v setsid)',
    'case $tackle_setsid in /*) ;; *) tackle_setsid= ;; esac',
    'tackle_umask=$(umask)',
    'command -v base64 >/dev/null 2>&1 || tackle_setsid=',
    'if [ -n "$tackle_setsid" ] && umask 077 && mkdir -- "$tackle_T"; then',
    `  trap 'rm -rf -- "$tackle_T"' EXIT`,
    "  trap 'exit 129' HUP",
    "  trap 'exit 141' PIPE",
    "  trap 'exit 143' TERM",
    `  printf '\\n%s ready %s\\n' '${marker}' "$tackle_T"`,
    'else',
    `  printf '\\n%s unusable %s\\n' '${marker}' "\${tackle_setsid:-no setsid or no base64}"`,
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
  // The marker in a subshell: on a full temp space its creation fails, and the kill must still come.
  const body = `sleep "$1" || exit 0; (: > "$2") 2>/dev/null; ${killGroupScript('$3')}`;
  return `"$tackle_setsid" sh -c '${body}' tackle-watchdog ${seconds} ${timeoutMarker} "$tackle_p" </dev/null >/dev/null 2>&1 & tackle_w=$!`;
}

/** Base64 lines in single quotes: the alphabet has no quote, and base64 -d skips the line breaks. */
function inputLiteral(input: Buffer): string {
  const text = input.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < text.length; i += 4096) lines.push(text.slice(i, i + 4096));
  return `'${lines.join('\n')}'`;
}

/**
 * Shell text that starts `command` (already quoted, ending in the program) as job `seq`, reports
 * its pid, waits for it and reports its exit code, or `timeout` when the watchdog killed it;
 * `nospace-` before either when the output files could not take their end mark.
 * Input travels inside this text and reaches the command through a pipe from the shell's
 * builtin printf: it is never a file on the host, nor an argument any `ps` shows.
 */
export function jobScript(marker: string, seq: number, command: string, input: Buffer | undefined, timeoutMs: number | undefined): string {
  const base = `"$tackle_T/${seq}`;
  const job = `( umask "$tackle_umask"; ${command} )`;
  const start = input !== undefined
    ? `printf '%s' ${inputLiteral(input)} | base64 -d 2>/dev/null | ${job} >${base}.out" 2>${base}.err" & tackle_p=$!`
    : `${job} </dev/null >${base}.out" 2>${base}.err" & tackle_p=$!`;
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
  // One byte more in each output file: if the temp space has no room for it, the command's output
  // may have been cut short there (a full $TMPDIR), and the controller must not take it as complete.
  lines.push(
    `{ printf . >>${base}.out" && printf . >>${base}.err"; } 2>/dev/null || tackle_rc="nospace-$tackle_rc"`,
    `printf '\\n%s done ${seq} %s\\n' '${marker}' "$tackle_rc"`,
    '',
  );
  return lines.join('\n');
}
