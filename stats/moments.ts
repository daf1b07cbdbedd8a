/** Sample moments with R's conventions (var and sd divide by n − 1). */

export function sampleMean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return sum / values.length;
}

/** R's var(): zero for fewer than two values, where R gives NA, so a constant column reads as constant. */
export function sampleVariance(values: ArrayLike<number>): number {
  if (values.length < 2) return 0;
  const mean = sampleMean(values);
  let squares = 0;
  for (let i = 0; i < values.length; i++) squares += (values[i] - mean) ** 2;
  return squares / (values.length - 1);
}
