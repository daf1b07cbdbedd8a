import { z } from 'zod';

/** Where a figure of the catalogue comes from: a seed document, or "synthetic" when the seeds give none. */
export const provenance = z.string().min(1, 'say where the figure comes from, or "synthetic" when the sources give none');
