/**
 * A programme that exists only as one JSON file in a folder of EBPM_CATALOGUE_DIR, declaring no synthetic
 * profile, beside a folder holding a programme file that does not validate: it lists with the built-ins, `ebpm
 * generate` makes its data from defaults derived from its declaration, and a study through the real workflow on
 * those files quotes a headline on its own outcome whose CI covers the true effect the defaults recorded.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { trueEffectFor } from '../cli/summary.js';
import type { SyntheticManifest } from '../synth/programme-data.js';
import { ebpm, ebpmWith } from './support/compiled-cli.js';
import { createTestDatabase, type TestDatabase } from './support/services.js';

const PROGRAMME_ID = 'regional-dx-support';
const SYNTHETIC = 'synthetic: written for this test';

/** Targets computed from the outcome file say their scale; this programme's are means per awarded firm. */
const indicator = (id: string, nameEn: string, unit: string, computation: Record<string, string>, target: number) => ({
  id,
  nameJa: `${nameEn}（試験）`,
  nameEn,
  definition: `${nameEn}, as the test programme declares it`,
  unit,
  direction: 'higher_is_better',
  dataSource: 'application system and follow-up reports',
  frequency: 'annual',
  indicatorClass: 'capital_investment_support',
  baseline: null,
  target: { value: target, fiscalYear: 2027, ...(computation.source === 'outcomes' ? { scale: 'mean_per_unit' } : {}), provenance: SYNTHETIC },
  computation,
});

const field = (file: 'applicants' | 'outcomes', name: string, nameJa: string, required: boolean, measure?: Record<string, unknown>) => ({
  file,
  name,
  nameJa,
  description: `${name} (test programme)`,
  format: measure ? String(measure.type) : 'as the application system writes it',
  required,
  personal: false,
  ...(measure ? { measure } : {}),
});

/** The 12th programme, written from scratch as an analyst would: no syntheticProfile, no planned call. */
const twelfth = {
  id: PROGRAMME_ID,
  nameJa: '地域DX促進支援事業',
  nameEn: 'Regional digital transformation support',
  ministry: '経済産業省',
  kindOfSupport: 'Subsidies for the digital tools of regional SMEs',
  unitOfAnalysis: 'firm',
  synthetic: true,
  budgetLines: [{ label: '令和4年度当初予算', amountHundredMillionYen: 50, provenance: SYNTHETIC }],
  callRounds: [2022, 2023, 2024].map((year, index) => ({ round: index + 1, opens: `${year}-05-01`, closes: `${year}-06-30`, awardFiscalYear: year, provenance: SYNTHETIC })),
  logicModel: {
    input: [indicator('subsidy_granted', 'Subsidy granted', '億円', { source: 'applications', fiscalYearColumn: 'award_fiscal_year', filter: 'd => d.awarded', value: 'd => op.sum(d.subsidy_amount_yen) / 1e8' }, 50)],
    activity: [indicator('applications_received', 'Applications received', '件', { source: 'applications', fiscalYearColumn: 'application_fiscal_year', value: 'd => op.count()' }, 200)],
    output: [indicator('firms_awarded', 'Firms awarded', '社', { source: 'applications', fiscalYearColumn: 'award_fiscal_year', filter: 'd => d.awarded', value: 'd => op.count()' }, 100)],
    shortTermOutcome: [indicator('digital_sales_share_supported', 'Share of sales made online by supported firms', '%', { source: 'outcomes', fiscalYearColumn: 'fiscal_year', filter: 'd => d.post_award', value: 'd => op.mean(d.digital_sales_share)' }, 60)],
    midTermOutcome: [indicator('it_staff_supported', 'IT staff of supported firms', '人', { source: 'outcomes', fiscalYearColumn: 'fiscal_year', filter: 'd => d.post_award', value: 'd => op.mean(d.it_staff)' }, 30)],
    impact: [
      {
        ...indicator('regional_sme_digital_sales', 'Online sales of regional SMEs', '%', {}, 40),
        computation: undefined,
        notComputed: { reason: 'no official series yet', source: 'a survey planned by the ministry' },
      },
    ],
  },
  dataRequirements: {
    consentWordingJa: '申請情報及び成果情報を政策効果の検証のため利用することに同意します。',
    consentWordingEn: 'I consent to the use of the application and outcome data to evaluate the policy.',
    fields: [
      field('applicants', 'corporate_number', '法人番号', true),
      field('applicants', 'firm_name', '法人名', true),
      field('applicants', 'call_round', '申請回', true),
      field('applicants', 'application_date', '申請日', true),
      field('applicants', 'decision', '採択結果', true),
      field('applicants', 'award_fiscal_year', '採択年度', false),
      field('applicants', 'subsidy_amount_yen', '交付決定額', false),
      field('applicants', 'requested_amount_yen', '申請額', true),
      field('applicants', 'industry_code', '業種コード', true),
      field('applicants', 'prefecture_code', '都道府県コード', true),
      field('applicants', 'employees', '従業員数', true),
      field('applicants', 'consent', '同意', true),
      field('outcomes', 'corporate_number', '法人番号', true),
      field('outcomes', 'fiscal_year', '年度', true),
      // A percentage with no declared range (the defaults keep it within 0–100), and a head count.
      field('outcomes', 'digital_sales_share', 'EC売上比率', true, { type: 'number', unit: '%' }),
      field('outcomes', 'it_staff', 'IT人材数', true, { type: 'integer', unit: '人', min: 0 }),
    ],
  },
  studySpecs: [
    {
      version: 1,
      registeredAt: '2022-04-01T00:00:00+09:00',
      frozenHash: '',
      outcomes: ['digital_sales_share'],
      outcomeIndicators: { digital_sales_share: 'digital_sales_share_supported' },
      comparisonGroup: 'rejected_applicants',
      covariates: [],
      estimation: { method: 'dr', anticipation: 0, basePeriod: 'varying', bootstrap: { draws: 199, seed: 20220401 } },
      comparisonEstimators: [],
      confidenceLevel: 0.95,
      minimumTreatedUnits: 30,
      minimumComparisonUnits: 30,
    },
  ],
};

let scratch: string;
let added: string;
let drafts: string;
let environment: Record<string, string>;

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'ebpm-twelfth-'));
  added = join(scratch, 'added');
  drafts = join(scratch, 'drafts');
  mkdirSync(added);
  mkdirSync(drafts);
  writeFileSync(join(added, `${PROGRAMME_ID}.json`), `${JSON.stringify(twelfth, null, 2)}\n`);
  const frozen = ebpm('programmes', 'freeze', PROGRAMME_ID, '--catalogue', added);
  expect(frozen.status, frozen.stderr).toBe(0);
  // Beside it, a folder whose programme does not validate (a logic-model stage without indicators).
  writeFileSync(join(drafts, 'draft-programme.json'), JSON.stringify({ ...twelfth, id: 'draft-programme', logicModel: { ...twelfth.logicModel, impact: [] } }, null, 2));
  environment = { EBPM_CATALOGUE_DIR: `${added}:${drafts}` };
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('a programme known only from its catalogue file, with no synthetic profile', () => {
  it('lists with the built-in programmes, and the broken one beside it is reported and skipped', () => {
    const listed = ebpmWith(environment, 'programmes', 'list', '--json');
    expect(listed.status, listed.stderr).toBe(0);
    const list = JSON.parse(listed.stdout) as { id: string; source: string }[];
    const builtIn = list.filter((programme) => programme.source === 'built-in');
    expect(builtIn.length).toBeGreaterThan(0);
    expect(list.map((programme) => programme.id)).toEqual(expect.arrayContaining([PROGRAMME_ID, 'sme-labour-saving']));
    expect(list).toHaveLength(builtIn.length + 1);
    expect(list.map((programme) => programme.id)).not.toContain('draft-programme');
    expect(listed.stderr).toContain(`programme "draft-programme" skipped: ${join(drafts, 'draft-programme.json')} does not validate`);
  });

  describe('its synthetic data and a study on them', () => {
    let manifest: SyntheticManifest;
    let all: string;
    let database: TestDatabase;

    beforeAll(async () => {
      all = join(scratch, 'all');
      database = await createTestDatabase();
    });
    afterAll(() => database?.drop());

    it('generate --all writes every programme that validates, its own included, and names the broken one as failed (exit 1)', () => {
      const generated = ebpmWith(environment, 'generate', '--all', '--out', all, '--no-invalid-rows');
      expect(generated.status, generated.stderr).toBe(1);
      const builtIn = (JSON.parse(ebpm('programmes', 'list', '--json').stdout) as unknown[]).length;
      expect(generated.stdout).toContain(`Wrote synthetic data for ${builtIn + 1} programmes under ${all}`);
      expect(generated.stderr).toContain('no data for 1 programme(s)');
      expect(generated.stderr).toContain('draft-programme: programme "draft-programme" cannot be used');
      expect(generated.stderr).toContain(`${join(drafts, 'draft-programme.json')}: logicModel.impact`);
      for (const file of ['applicants.csv', 'outcomes.csv', 'manifest.json']) expect(existsSync(join(all, PROGRAMME_ID, file)), file).toBe(true);
      expect(existsSync(join(all, 'sme-labour-saving', 'outcomes.csv'))).toBe(true);
      expect(existsSync(join(all, 'draft-programme'))).toBe(false);

      manifest = JSON.parse(readFileSync(join(all, PROGRAMME_ID, 'manifest.json'), 'utf8')) as SyntheticManifest;
      expect(manifest.derivedProfile?.derived).toContain('measures.digital_sales_share');
      // The study's outcome moves by the derived effect; the other measure does not.
      expect(manifest.derivedProfile?.profile.measures.digital_sales_share.effectOfAward).toBeGreaterThan(0);
      expect(manifest.trueEffects.digital_sales_share.simple).toBeGreaterThan(0);
      expect(manifest.trueEffects.it_staff.simple).toBe(0);
      const header = readFileSync(join(all, PROGRAMME_ID, 'outcomes.csv'), 'utf8').split('\n')[0];
      expect(header).toBe('corporate_number,fiscal_year,digital_sales_share,it_staff');
    });

    it('generate --programme makes the same files again from the seed the defaults derive', () => {
      const again = join(scratch, 'again');
      const generated = ebpmWith(environment, 'generate', '--programme', PROGRAMME_ID, '--out', again, '--no-invalid-rows');
      expect(generated.status, generated.stderr).toBe(0);
      for (const file of ['applicants.csv', 'outcomes.csv', 'manifest.json']) {
        expect(readFileSync(join(again, file), 'utf8'), file).toBe(readFileSync(join(all, PROGRAMME_ID, file), 'utf8'));
      }
    });

    it('a study through the workflow quotes a headline on its own outcome whose CI covers the true effect', async () => {
      const folder = join(all, PROGRAMME_ID);
      const services = { DATABASE_URL: database.url, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: inject('temporalNamespace') };
      const study = ebpmWith({ ...environment, ...services }, 'study', '--programme', PROGRAMME_ID, '--applicants', join(folder, 'applicants.csv'), '--outcomes', join(folder, 'outcomes.csv'), '--json');
      expect(study.status, study.stderr).toBe(0);
      const { rows } = await sql<{ outcome: string; estimator: string; estimate: number; ci_low: number; ci_high: number }>`
        SELECT outcome, estimator, estimate, ci_low, ci_high FROM bi.effect_estimates WHERE programme_id = ${PROGRAMME_ID} AND is_headline`.execute(database.db);
      expect(rows.map((row) => row.outcome)).toEqual(['digital_sales_share']);
      const [headline] = rows;
      const truth = trueEffectFor(headline.estimator, manifest.trueEffects.digital_sales_share);
      expect(truth).toBeDefined();
      expect(headline.ci_low).toBeLessThanOrEqual(truth as number);
      expect(headline.ci_high).toBeGreaterThanOrEqual(truth as number);
      // Not a CI so wide it covers anything: it excludes zero.
      expect(headline.ci_low).toBeGreaterThan(0);
    });
  });
});
