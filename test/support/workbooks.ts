/**
 * Workbooks as ministry staff make them, for the tests: written with exceljs, then edited where exceljs
 * cannot write what Excel writes (Japanese built-in number format ids), or saved again by LibreOffice.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type ExcelJS from 'exceljs';
import JSZip from 'jszip';

/**
 * Rewrites cells formatted with the given custom codes to Excel's built-in ids (31: 2021年6月16日,
 * 57: R3.6.16, 58: 令和3年6月16日), which a Japanese Excel writes without a format code.
 */
export async function withBuiltinFormats(workbook: ExcelJS.Workbook, builtinOf: Readonly<Record<string, number>>): Promise<Buffer> {
  const zip = await JSZip.loadAsync(Buffer.from(await workbook.xlsx.writeBuffer()));
  let styles = await zip.file('xl/styles.xml')!.async('string');
  for (const [code, builtin] of Object.entries(builtinOf)) {
    const escaped = code.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    const element = new RegExp(`<numFmt numFmtId="(\\d+)" formatCode="${escaped.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"/>`);
    const match = element.exec(styles);
    if (!match) throw new Error(`no number format ${code} in the workbook`);
    styles = styles.replace(match[0], '').replace(new RegExp(`numFmtId="${match[1]}"`, 'g'), `numFmtId="${builtin}"`);
  }
  zip.file('xl/styles.xml', styles);
  return zip.generateAsync({ type: 'nodebuffer' });
}

/** Opens and saves the workbook with LibreOffice Calc, as a member of staff using it would. */
export function savedByLibreOffice(path: string, outputDirectory: string): string {
  mkdirSync(outputDirectory, { recursive: true });
  const result = spawnSync('soffice', ['--headless', '-env:UserInstallation=file:///tmp/lo-excel', '--convert-to', 'xlsx', '--outdir', outputDirectory, path], {
    encoding: 'utf8',
    timeout: 180_000,
  });
  const saved = join(outputDirectory, basename(path));
  if (result.status !== 0) throw new Error(`soffice failed (${result.status}): ${result.stderr}`);
  readFileSync(saved);
  return saved;
}

export function writeBuffer(path: string, bytes: Buffer): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
  return path;
}
