export const EXIT = { ok: 0, failed: 2, drifted: 3, unreachable: 4, invalid: 5, interrupted: 99 } as const;

/** The exit code of a run (or of merged slice reports): interrupted, then unreachable, then failed. */
export function runExitCode(outcome: { interrupted: boolean; anyUnreachable: boolean; anyFailed: boolean }): number {
  if (outcome.interrupted) return EXIT.interrupted;
  if (outcome.anyUnreachable) return EXIT.unreachable;
  if (outcome.anyFailed) return EXIT.failed;
  return EXIT.ok;
}
