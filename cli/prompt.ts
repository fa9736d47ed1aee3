import { TackleError } from '../engine/errors.ts';
import { readTerminalLine } from '../engine/load/terminal-line.ts';

export class PromptError extends TackleError {
  override name = 'PromptError';
}

/**
 * Asks on the terminal with echo off (a password). `option` names what asked, for the refusal
 * when stdin is no terminal: a run in a pipe or CI cannot answer, so it stops before loading.
 */
export async function askHidden(question: string, option: string, alternative: string): Promise<string> {
  if (!process.stdin.isTTY) throw new PromptError(`${option} asks on a terminal, and stdin is not one: ${alternative}`);
  process.stderr.write(question);
  try {
    return readTerminalLine(true, `the ${option} prompt`);
  } catch (error) {
    throw new PromptError(error instanceof Error ? error.message : String(error));
  }
}
