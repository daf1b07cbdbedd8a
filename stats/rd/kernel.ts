/** The kernels of local polynomial RD, with the constants of rdrobust's rule-of-thumb pilot bandwidth. */

export type RdKernel = 'triangular' | 'epanechnikov' | 'uniform';

export const RD_KERNELS: readonly RdKernel[] = ['triangular', 'epanechnikov', 'uniform'];

/** K((x − c)/h)/h. */
export function kernelWeight(kernel: RdKernel, x: number, cutoff: number, h: number): number {
  const u = (x - cutoff) / h;
  const a = Math.abs(u);
  switch (kernel) {
    case 'epanechnikov':
      return a <= 1 ? (0.75 * (1 - u * u)) / h : 0;
    case 'uniform':
      return a <= 1 ? 0.5 / h : 0;
    case 'triangular':
      return a <= 1 ? (1 - a) / h : 0;
  }
}

/** The constant C_K in the pilot bandwidth C_K · min(sd, IQR/1.349) · N^(−1/5). */
export function pilotConstant(kernel: RdKernel): number {
  switch (kernel) {
    case 'epanechnikov':
      return 2.34;
    case 'uniform':
      return 1.843;
    case 'triangular':
      return 2.576;
  }
}
