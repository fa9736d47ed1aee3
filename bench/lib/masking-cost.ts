import { SecretMasker } from '../../engine/secrets.ts';
import type { MaskingCost } from './report.ts';

const LINES = 20_000;
const FEW = 10;
const MANY = 110_000;

/** A secret as a vars file holds one: 24 characters, distinct per index. */
const secret = (i: number): string => `s3cr3t-${String(i).padStart(8, '0')}-abcdefgh`;

/** Microseconds per 200-character line of output (one secret in every tenth line), median of 3. */
function microsPerLine(secrets: number): number {
  const masker = new SecretMasker(Array.from({ length: secrets }, (_, i) => secret(i)));
  const lines = Array.from({ length: LINES }, (_, i) => `${'task output '.repeat(15)}${i % 10 === 0 ? secret(i % secrets) : 'no secret here....'}`.slice(0, 200));
  const runs: number[] = [];
  for (let r = 0; r < 3; r++) {
    const started = process.hrtime.bigint();
    for (const line of lines) masker.mask(line);
    runs.push(Number(process.hrtime.bigint() - started) / 1e3 / LINES);
  }
  return runs.sort((a, b) => a - b)[1]!;
}

/** What masking one printed line costs with few and with very many registered secrets (issue 12 #23). */
export function measureMaskingCost(): MaskingCost {
  const few = microsPerLine(FEW);
  const many = microsPerLine(MANY);
  return { fewSecrets: FEW, fewMicrosPerLine: few, manySecrets: MANY, manyMicrosPerLine: many, ratio: many / few };
}
