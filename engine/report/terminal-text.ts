/**
 * Text from hosts shown with its control characters escaped (`\x1b`), newlines and tabs kept:
 * a host's output cannot move the cursor, fake a status line or write the operator's clipboard.
 */
export function escapeControls(text: string): string {
  return text.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
