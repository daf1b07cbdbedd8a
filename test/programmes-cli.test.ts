import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultCatalogueDirectory } from '../programmes/catalogue.js';
import type { ProgrammeFile } from '../schemas/catalogue.js';

const cli = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'ebpm-programmes-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function programmes(...args: string[]) {
  const result = spawnSync(process.execPath, [cli, 'programmes', ...args], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('ebpm programmes', () => {
  it('lists the 11 programmes with their spec versions and hashes', () => {
    const { status, stdout } = programmes('list', '--json');
    expect(status).toBe(0);
    const list = JSON.parse(stdout) as { id: string; specHash: string; specVersion: number }[];
    expect(list).toHaveLength(11);
    expect(list.map((p) => p.id)).toContain('critical-minerals');
    expect(list.every((p) => /^[0-9a-f]{64}$/.test(p.specHash) && p.specVersion >= 1)).toBe(true);
  });

  it('prints the data requirements with the consent wording as Markdown and as CSV', () => {
    const markdown = programmes('requirements', 'sme-labour-saving');
    expect(markdown.status).toBe(0);
    expect(markdown.stdout).toContain('| `corporate_number` | 法人番号 | 法人番号 of the applicant (13 digits, check digit verified) | 13 digits |  |  | yes | no |');
    expect(markdown.stdout).toContain('| `labour_productivity` | 労働生産性 | Value added per employee | 万円 per employee, number | 万円/人 | number | yes | no |');
    expect(markdown.stdout).toMatch(/`sme_labour_productivity` \| .* \| 財務省 法人企業統計調査 \|/);
    expect(markdown.stdout).toContain('申請書に記載された情報');
    const csv = programmes('requirements', 'sme-labour-saving', '--format', 'csv');
    expect(csv.stdout.split('\n')[0]).toBe('file,field,name_ja,description,format,type,unit,min,max,required,personal');
    expect(csv.stdout).toContain('applicants,representative_name,代表者氏名,Name of the contact person,text,,,,,false,true');
    expect(csv.stdout).toContain('outcomes,average_wage,平均給与,Average annual wage per employee,"万円, number",number,万円,0,,true,false');
  });

  it('shows a programme with its logic model and study spec', () => {
    const { status, stdout } = programmes('show', 'biomanufacturing');
    expect(status).toBe(0);
    expect(stdout).toContain('seed 004: 【令和4年度補正予算: 3,000億円】');
    expect(stdout).toMatch(/impact\s+バイオエコノミー市場規模/);
  });

  it('shows a programme from the catalogue named with --catalogue, and only from it', () => {
    const folder = join(scratch, 'without-sme');
    cpSync(defaultCatalogueDirectory(), folder, { recursive: true });
    rmSync(join(folder, 'sme-labour-saving.json'));
    expect(programmes('show', 'biomanufacturing', '--catalogue', folder).status).toBe(0);
    const missing = programmes('show', 'sme-labour-saving', '--catalogue', folder);
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain('unknown programme "sme-labour-saving"');
    expect(missing.stderr).not.toMatch(/known programmes:.*sme-labour-saving/);
  });

  it('fails validation of a broken catalogue with the file, the field and the fix', () => {
    const folder = join(scratch, 'broken');
    cpSync(defaultCatalogueDirectory(), folder, { recursive: true });
    const path = join(folder, 'post5g-quantum.json');
    const programme = JSON.parse(readFileSync(path, 'utf8')) as ProgrammeFile;
    programme.logicModel.output[0].indicatorClass = 'not-a-class';
    writeFileSync(path, JSON.stringify(programme));
    const { status, stderr } = programmes('validate', folder);
    expect(status).toBe(2);
    expect(stderr).toContain('post5g-quantum.json: logicModel.output.0.indicatorClass: unknown indicator class "not-a-class"');
    expect(programmes('validate').status).toBe(0);
  });
});
