import { TaskError } from '../../engine/errors.ts';

/** JSON Schema for a `mode` parameter, shared by the file and directory tasks. */
export const modeSchema = {
  description:
    'Permission bits as an octal string ("0640", "2775"). A bare number is read by its digits, so the YAML `mode: 0640` means 0640 as well.',
  type: ['string', 'integer'],
  pattern: '^(0o)?[0-7]{1,4}$',
} as const;

/** "0640", "640", 640 (digits read as octal) -> 0o640. */
export function parseMode(value: string | number, field = 'mode'): number {
  const digits = typeof value === 'number' ? String(value) : value.trim().replace(/^0o/i, '');
  if (!/^[0-7]{1,4}$/.test(digits)) {
    throw new TaskError(`${field}: ${JSON.stringify(value)} is not an octal mode like "0644"`);
  }
  return parseInt(digits, 8);
}

export function formatMode(mode: number): string {
  return '0' + (mode & 0o7777).toString(8).padStart(3, '0');
}
