import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readEnvironment } from '../../config/environment.js';
import { getProgramme, listProgrammes } from '../../programmes/catalogue.js';
import { progressTableFileName, writeProgressWorkbook } from '../../report/progress-workbook.js';
import { ReportVariantMismatchError, writeReports } from '../../report/write-reports.js';
import { UsageError } from '../errors.js';
import { openDatabaseReady } from '../services.js';

export async function reportCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { programme: { type: 'string' }, all: { type: 'boolean' }, out: { type: 'string' }, format: { type: 'string' }, public: { type: 'boolean' } } });
  if (!values.out) throw new UsageError('--out DIR is required');
  const format = values.format ?? 'html';
  if (format !== 'html' && format !== 'xlsx') throw new UsageError(`--format must be html or xlsx, got "${format}"`);
  // The progress table covers every programme unless one is named.
  if (format === 'html' && !values.all && !values.programme) throw new UsageError('give --programme ID or --all');
  const programmes = values.programme ? [getProgramme(values.programme)] : listProgrammes();
  const db = await openDatabaseReady(readEnvironment(), (line) => console.error(line));
  try {
    if (format === 'xlsx') {
      mkdirSync(resolve(values.out), { recursive: true });
      const variant = values.public ? 'public' : 'internal';
      const path = join(resolve(values.out), progressTableFileName(variant, values.programme));
      await writeProgressWorkbook(db, programmes, path, variant);
      console.log(
        `Wrote ${path}: 進捗管理・点検・評価表 with ${programmes.length} programme sheet(s) ` +
          (variant === 'public' ? 'from the public bi views (small cells withheld)' : 'with unsuppressed values, marked 内部資料・公表不可 (use --public for the file to publish)'),
      );
      return;
    }
    const variant = values.public ? 'public' : 'internal';
    const written = await writeReports(db, programmes, resolve(values.out), { variant }).catch((error: unknown) => {
      throw error instanceof ReportVariantMismatchError ? new UsageError(error.message) : error;
    });
    console.log(
      `Wrote ${written.pages.length} ${variant === 'public' ? 'public (disclosure-controlled)' : 'internal (内部資料・公表不可, every number)'} report page(s), ` +
        `${written.svgs.length} figure(s) as SVG and PNG, and the index of every programme; open ${written.index}`,
    );
  } finally {
    await db.destroy();
  }
}
