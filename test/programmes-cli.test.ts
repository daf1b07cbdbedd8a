import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultCatalogueDirectory } from '../programmes/catalogue.js';
import { ebpm, ebpmWith } from './support/compiled-cli.js';
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
    // The catalogue's problems, not a misuse of the command: no usage text after them.
    expect(stderr).not.toContain('usage:');
    expect(programmes('validate').status).toBe(0);
  });

  describe('with EBPM_CATALOGUE_DIR naming a folder with a 12th programme and a folder with a broken one', () => {
    const added = join(scratch, 'added');
    const drafts = join(scratch, 'drafts');
    const environment = { EBPM_CATALOGUE_DIR: `${added}:${drafts}` };
    const addedFile = join(added, 'hydrogen-supply.json');
    const brokenFile = join(drafts, 'draft-programme.json');

    /** A copy of biomanufacturing under a new id in `folder`, frozen there as an analyst would with `programmes freeze`. */
    function newProgramme(folder: string, id: string, edit: (programme: ProgrammeFile) => void) {
      mkdirSync(folder, { recursive: true });
      const programme = JSON.parse(readFileSync(join(defaultCatalogueDirectory(), 'biomanufacturing.json'), 'utf8')) as ProgrammeFile;
      programme.id = id;
      programme.nameJa = '水素サプライチェーン構築支援事業';
      programme.nameEn = 'Hydrogen supply-chain programme';
      for (const version of programme.studySpecs) version.frozenHash = '';
      edit(programme);
      writeFileSync(join(folder, `${id}.json`), JSON.stringify(programme, null, 2));
      const frozen = ebpm('programmes', 'freeze', id, '--catalogue', folder);
      expect(frozen.status, frozen.stderr).toBe(0);
    }

    beforeAll(() => {
      newProgramme(added, 'hydrogen-supply', () => undefined);
      newProgramme(drafts, 'draft-programme', (p) => {
        p.logicModel.output[0].indicatorClass = 'not-a-class';
      });
    });

    it('lists the 12th with the 11 and its source, and reports the broken one with its file and field', () => {
      const listed = ebpmWith(environment, 'programmes', 'list', '--json');
      expect(listed.status).toBe(0);
      const list = JSON.parse(listed.stdout) as { id: string; source: string }[];
      expect(list).toHaveLength(12);
      expect(list.filter((p) => p.source === 'built-in')).toHaveLength(11);
      expect(list.find((p) => p.id === 'hydrogen-supply')?.source).toBe(addedFile);
      expect(list.map((p) => p.id)).not.toContain('draft-programme');
      expect(listed.stderr).toContain(`programme "draft-programme" skipped: ${brokenFile} does not validate`);
      expect(listed.stderr).toContain(`${brokenFile}: logicModel.output.0.indicatorClass: unknown indicator class "not-a-class"; use one of`);

      const text = ebpmWith(environment, 'programmes', 'list');
      expect(text.stdout).toMatch(new RegExp(`hydrogen-supply .* ${addedFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      expect(text.stdout).toMatch(/sme-labour-saving .* built-in/);

      expect(ebpmWith(environment, 'programmes', 'show', 'hydrogen-supply').stdout).toContain('Hydrogen supply-chain programme');
      expect(ebpmWith(environment, 'programmes', 'show', 'biomanufacturing').status).toBe(0);
      const validated = ebpmWith(environment, 'programmes', 'validate');
      expect(validated.status).toBe(2);
      expect(validated.stderr).toContain('12 programmes work');
      expect(validated.stderr).toContain(`${brokenFile}: logicModel.output.0.indicatorClass`);
      expect(ebpm('programmes', 'validate', added).status).toBe(0);
    });

    it('freezes a programme in the EBPM_CATALOGUE_DIR folder that holds it, and names the folders when none does', () => {
      const programme = JSON.parse(readFileSync(addedFile, 'utf8')) as ProgrammeFile;
      const latest = programme.studySpecs[programme.studySpecs.length - 1];
      programme.studySpecs.push({ ...latest, version: latest.version + 1, frozenHash: '' });
      writeFileSync(addedFile, JSON.stringify(programme, null, 2));
      const frozen = ebpmWith(environment, 'programmes', 'freeze', 'hydrogen-supply');
      expect(frozen.stderr).toBe('');
      expect(frozen.status).toBe(0);
      expect(frozen.stdout).toContain(`hydrogen-supply: study spec v${latest.version + 1} frozen, SHA-256 `);
      expect((JSON.parse(readFileSync(addedFile, 'utf8')) as ProgrammeFile).studySpecs.at(-1)!.frozenHash).toMatch(/^[0-9a-f]{64}$/);
      expect(ebpmWith(environment, 'programmes', 'validate', added).status).toBe(0);
      const missing = ebpmWith(environment, 'programmes', 'freeze', 'no-such-programme');
      expect(missing.status).toBe(2);
      expect(missing.stderr).toContain(`no catalogue file no-such-programme.json in ${defaultCatalogueDirectory()}, ${added}, ${drafts}; name the folder that holds it`);
      expect(missing.stderr).not.toContain('ENOENT');
    });

    it('fails every command about the broken programme with its problems, exit 1 and no stack', () => {
      for (const args of [
        ['programmes', 'show', 'draft-programme'],
        ['report', '--programme', 'draft-programme', '--out', join(scratch, 'reports')],
        ['study', '--programme', 'draft-programme', '--applicants', addedFile, '--outcomes', addedFile],
      ]) {
        const result = ebpmWith(environment, ...args);
        expect(result.status, args.join(' ')).toBe(1);
        expect(result.stderr).toContain('programme "draft-programme" cannot be used: its catalogue file does not validate');
        expect(result.stderr).toContain(`${brokenFile}: logicModel.output.0.indicatorClass: unknown indicator class "not-a-class"`);
        expect(result.stderr).not.toMatch(/\n\s+at /);
      }
    });

    it('refuses a programme id defined twice, naming both files', () => {
      const twin = join(scratch, 'twin');
      newProgramme(twin, 'hydrogen-supply', () => undefined);
      const result = ebpmWith({ EBPM_CATALOGUE_DIR: `${added}:${twin}` }, 'programmes', 'show', 'hydrogen-supply');
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`programme id "hydrogen-supply" is defined more than once: in ${addedFile} and in ${join(twin, 'hydrogen-supply.json')}`);
    });

    it('refuses a KPI expression naming an unknown column, listing the valid ones', () => {
      const folder = join(scratch, 'unknown-column');
      newProgramme(folder, 'column-draft', (p) => {
        const indicator = p.logicModel.input.find((i) => i.computation?.source === 'applications') ?? p.logicModel.output.find((i) => i.computation?.source === 'applications');
        if (!indicator?.computation || indicator.computation.source === 'statistics') throw new Error('biomanufacturing has no applications KPI to change');
        indicator.computation.value = 'd => op.sum(d.grant_yen)';
      });
      const result = ebpmWith({ EBPM_CATALOGUE_DIR: folder }, 'programmes', 'validate');
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/column-draft\.json: logicModel\.\w+\.\d+\.computation\.value: "d => op\.sum\(d\.grant_yen\)" names "grant_yen", not a column of applications; use one of unit_id, corporate_number, awarded, award_fiscal_year, application_fiscal_year, subsidy_amount_yen, requested_amount_yen, employees/);
    });
  });
});
