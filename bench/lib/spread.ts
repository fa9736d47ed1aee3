/** Minimum, median and maximum of repeated measurements. */
export interface Spread {
  min: number;
  median: number;
  max: number;
  samples: number[];
}

export function spread(samples: number[]): Spread {
  const sorted = [...samples].sort((a, b) => a - b);
  return { min: sorted[0]!, median: sorted[Math.floor((sorted.length - 1) / 2)]!, max: sorted.at(-1)!, samples };
}

/** The index of the run whose value is the median (its other figures are reported with it). */
export function medianIndex(samples: number[]): number {
  const m = spread(samples).median;
  return samples.indexOf(m);
}
