/**
 * Settings of `ebpm metabase setup`, validated once: where Metabase is, its admin login, and how Metabase
 * reaches Postgres as bi_reader (whose password, EBPM_BI_READER_PASSWORD, is read with the rest of ebpm's
 * settings in config/environment.ts).
 */
import { z } from 'zod';

export const metabaseEnvironmentSchema = z.object({
  MB_URL: z.string().url('must be a URL, e.g. http://localhost:3000').default('http://localhost:3000'),
  MB_PUBLIC_URL: z.string().url('must be a URL, e.g. http://localhost:3000').optional(),
  MB_ADMIN_EMAIL: z.string().email('must be an e-mail address').default('admin@ebpm.example'),
  MB_ADMIN_PASSWORD: z.string().min(8, 'must be at least 8 characters (Metabase refuses common passwords too)'),
  MB_WAIT_SECONDS: z.string().regex(/^\d+$/, 'must be a whole number of seconds').transform(Number).default(300),
  EBPM_BI_DB_HOST: z.string().min(1).optional(),
  EBPM_BI_DB_PORT: z.string().regex(/^\d+$/, 'must be a port number').transform(Number).optional(),
  EBPM_BI_DB_NAME: z.string().min(1).optional(),
});
