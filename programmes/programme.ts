import { z } from 'zod';
import { kpiDefinitionSchema } from '../schemas/kpi-definition.js';
import { studySpecSchema } from '../schemas/study-spec.js';

export const programmeSchema = z.object({
  id: z.string().regex(/^[a-z][a-z0-9-]*$/),
  nameJa: z.string().min(1),
  nameEn: z.string().min(1),
  ministry: z.string().min(1),
  kindOfSupport: z.string().min(1),
  kpis: z.array(kpiDefinitionSchema).min(1),
  studySpec: studySpecSchema,
});

export type Programme = z.input<typeof programmeSchema>;
