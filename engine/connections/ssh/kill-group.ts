/**
 * Shell text that ends the process group whose leader's pid is in `pidRef` (e.g. `$1`): TERM
 * first (sudo passes it on to a command it runs as another user), then KILL if the group is
 * still there after a short grace. One line, no single quotes, so it fits inside `sh -c '...'`.
 */
export function killGroupScript(pidRef: string): string {
  return [
    `kill -TERM "-${pidRef}" 2>/dev/null || exit 0`,
    `for _ in 1 2 3 4; do sleep 0.05; kill -0 "-${pidRef}" 2>/dev/null || exit 0; done`,
    `kill -KILL "-${pidRef}" 2>/dev/null; exit 0`,
  ].join('; ');
}
