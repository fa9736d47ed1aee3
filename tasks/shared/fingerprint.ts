import { createHash } from 'node:crypto';
import type { FileInfo } from '../../engine/connection.ts';

/** A check's fingerprint value for bytes it read: their sha256, or "absent". Never the bytes (they may be secret). */
export function digest(data: string | Uint8Array | null | undefined): string {
  return data === null || data === undefined ? 'absent' : `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** A path's type and attributes as stat() saw them, with its content's digest when the check read it. */
export function fileFingerprint(info: FileInfo | null, content?: string | Uint8Array | null): string {
  if (!info) return 'absent';
  const attributes = `${info.type} mode ${info.mode.toString(8).padStart(4, '0')} owner ${info.uid}:${info.gid}`;
  return content === undefined ? attributes : `${attributes} ${digest(content)}`;
}

/** Any JSON-able value the check read (an inspected spec, a parsed certificate), hashed in a stable key order. */
export function valueDigest(value: unknown): string {
  return digest(JSON.stringify(value, (_k, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v)));
}
