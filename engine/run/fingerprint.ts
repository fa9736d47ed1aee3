import { createHash } from 'node:crypto';
import type { FileDiff, Fingerprint } from '../task.ts';

/**
 * For a task whose check names no fingerprint: the host's side of its diffs (paths and
 * before-contents), hashed. Weaker than a task's own, which names everything it read; not the
 * reasons (they may say "would" in --check only) nor the plan `state` (it may hold this moment's values).
 */
export function defaultFingerprint(result: { diff?: FileDiff[] }): Fingerprint {
  return { 'diff before': sha256(JSON.stringify((result.diff ?? []).map((d) => [d.path, d.hidden ?? d.before]))) };
}

/**
 * What a changing step would change to, as apply compares it with the plan's: the task's own
 * digest, or else the masked diffs' after (so a desired content that now renders differently, from
 * a registered value, a fact or a lookup, is not the approved change even when "before" is the same).
 */
export function changeDigest(own: string | undefined, shownDiffs: readonly FileDiff[]): string {
  return own ?? sha256(JSON.stringify(shownDiffs.map((d) => [d.path, d.hidden ?? d.after])));
}

export function sha256(data: string | Uint8Array): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}
