import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSyntheticFiles } from '../cli/commands/generate.js';
import { runStudy } from '../cli/run-study.js';
import { projectRoot } from '../config/project-root.js';
import { sql } from 'kysely';
import { getProgramme, listProgrammes } from '../programmes/catalogue.js';
import { LOGIC_MODEL_STAGE_KEYS } from '../schemas/catalogue.js';
import { designLabel } from '../report/design-labels.js';
import { ReportVariantMismatchError, writeReports, type WrittenReports } from '../report/write-reports.js';
import { configureDisclosure } from '../sql/database-settings.js';
import type { TemporalSession } from '../runtime/temporal.js';
import { connectTestTemporal, createTestDatabase, createTestWorker, uniqueTaskQueue, type TestDatabase } from './support/services.js';

const CHROMIUM = process.env.EBPM_CHROMIUM ?? '/usr/bin/chromium';

describe('the HTML report in a real browser', () => {
  let temporal: TemporalSession;
  let database: TestDatabase;
  let scratch: string;
  let browser: Browser;
  let reports: WrittenReports;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium package (.ci/run does) or set EBPM_CHROMIUM`);
    temporal = await connectTestTemporal();
    database = await createTestDatabase();
    scratch = mkdtempSync(join(tmpdir(), 'ebpm-report-'));
    const files = writeSyntheticFiles('sme-labour-saving', join(scratch, 'data'), { seed: 5, applicants: 600, withInvalidRows: false });
    const taskQueue = uniqueTaskQueue('report');
    const worker = await createTestWorker(temporal, database.db, taskQueue);
    // With a programme by each of the other designs: synthetic DiD (critical minerals) and review-score RD (large-scale growth investment).
    const others = ['critical-minerals', 'large-scale-growth-investment'].map((programmeId) => writeSyntheticFiles(programmeId, join(scratch, programmeId), { withInvalidRows: false }));
    await worker.runUntil(async () => {
      for (const study of [files, ...others]) {
        await runStudy({ client: temporal.client, taskQueue, input: { programmeId: study.programmeId, applicantsFile: study.applicantsFile, outcomesFile: study.outcomesFile } });
      }
    });
    reports = await writeReports(
      database.db,
      ['sme-labour-saving', 'biomanufacturing', 'critical-minerals', 'large-scale-growth-investment'].map((id) => getProgramme(id)),
      join(scratch, 'reports'),
    );
    // Both variants of every programme's page, read by the tests below (the index lists the whole catalogue).
    await writeReports(database.db, listProgrammes(), join(scratch, 'public'), { variant: 'public' });
    await writeReports(database.db, listProgrammes(), join(scratch, 'internal'));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await temporal?.close();
    await database?.drop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  async function open(path: string) {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    // Reports must work offline: any network request fails the page.
    await page.route('**/*', (route) => (route.request().url().startsWith('file://') ? route.continue() : route.abort()));
    await page.goto(`file://${path}`);
    return { page, errors };
  }

  it('draws the event study, cohort, year and sensitivity charts as SVG with no console errors, and saves a screenshot', async () => {
    const { page, errors } = await open(join(scratch, 'reports', 'sme-labour-saving.html'));
    for (const chart of ['#event-study-0', '#by-cohort-0', '#by-year-0', '#sensitivity-rm-0', '#sensitivity-sd-0']) {
      await page.waitForSelector(`${chart} svg`, { timeout: 20_000 });
      expect(await page.locator(`${chart} svg .mark-symbol path, ${chart} svg .mark-symbol`).count(), chart).toBeGreaterThan(0);
    }
    const text = (await page.textContent('body')) ?? '';
    expect(text).toContain('ロジックモデル / Logic model');
    expect(text).toContain('Sensitivity to departures from parallel trends');
    expect(text).toMatch(/The average effect over the post-award years (stays|is not) distinguishable from zero/);
    expect(text).toContain('Minimum detectable effect of the design');
    expect(text).toMatch(/Labour productivity of supported firms \(mean\)採択単位あたりの平均 \/ a mean per awarded unit[\d.,]+ 万円\/人[\d.,]+[\d.,]+(検出可能 \/ detectable|目標が検出限界未満)/);
    expect(text).toContain("compared per awarded unit (the target is a mean per unit, the MDE's own scale)");
    expect(await page.locator('table').first().locator('tr').count()).toBeGreaterThan(1);
    expect(text).not.toContain('withheld');
    expect(errors).toEqual([]);
    const artifacts = join(projectRoot(), '.data', 'test-artifacts');
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'report-sme-labour-saving.png'), fullPage: true });
    await page.close();
  });

  it('draws the treated-against-synthetic path and the RD binned scatter with its fits, with no console errors', async () => {
    const minerals = await open(join(scratch, 'reports', 'critical-minerals.html'));
    await minerals.page.waitForSelector('[id^="synthetic-path-"] svg', { timeout: 20_000 });
    expect(await minerals.page.locator('[id^="synthetic-path-"] svg .mark-line path').count()).toBe(2);
    const mineralsText = (await minerals.page.textContent('body')) ?? '';
    expect(mineralsText).toContain('確保された供給量 / Supply secured: 合成DiD（Arkhangelsky et al.） / synthetic difference-in-differences');
    // The design's own diagnostics, in both languages, instead of DiD placeholders.
    for (const text of ['交付前の適合', 'Pre-award fit', '有効ドナー数', 'effective number of donors', 'Standard error: jackknife']) expect(mineralsText).toContain(text);
    expect(mineralsText).toContain('合成DiD / synthetic DiD');
    expect(mineralsText).toContain('主要 / headline');
    expect(minerals.errors).toEqual([]);
    await minerals.page.close();
    const scored = await open(join(scratch, 'reports', 'large-scale-growth-investment.html'));
    await scored.page.waitForSelector('[id^="rd-scatter-"] svg', { timeout: 20_000 });
    expect(await scored.page.locator('[id^="rd-scatter-"] svg .mark-symbol path').count()).toBeGreaterThan(10);
    // One fitted line either side of the cut-off.
    expect(await scored.page.locator('[id^="rd-scatter-"] svg .mark-line path').count()).toBe(2);
    const scoredText = (await scored.page.textContent('body')) ?? '';
    expect(scoredText).toMatch(/Density \(manipulation\) test \(rddensity\): T = -?[\d.]+, p = [\d.]+/);
    expect(scoredText).toMatch(/密度検定（rddensity、審査点の操作の検定）：T = -?[\d.]+、p = [\d.]+/);
    expect(scoredText).toContain('基準点での共変量バランス / Covariate balance at the cut-off');
    expect(scoredText).toContain('regression discontinuity, robust interval');
    expect(scored.errors).toEqual([]);
    await scored.page.screenshot({ path: join(projectRoot(), '.data', 'test-artifacts', 'report-large-scale-growth-investment.png'), fullPage: true });
    await scored.page.close();
    expect(reports.svgs.map((path) => path.split('/').pop())).toEqual(
      expect.arrayContaining(['critical-minerals-synthetic-path-secured_supply.svg', 'large-scale-growth-investment-rd-scatter-labour_productivity.svg']),
    );
  });

  it('says why there is no chart for a programme without results, with no empty frame and no errors', async () => {
    const { page, errors } = await open(join(scratch, 'reports', 'biomanufacturing.html'));
    expect(await page.locator('.chart').count()).toBe(0);
    expect(await page.locator('.empty').count()).toBeGreaterThanOrEqual(3);
    expect(await page.textContent('body')).toContain('No event study: no effect estimates for this programme yet.');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('writes the event study as SVG and as a PNG twice its size, with the plot drawn in it', async () => {
    expect(reports.svgs.length).toBeGreaterThan(0);
    expect(reports.pngs).toHaveLength(reports.svgs.length);
    const svg = readFileSync(reports.svgs[0], 'utf8');
    expect(svg).toMatch(/^<svg[^>]*>/);
    const svgWidth = Number(/<svg[^>]*\swidth="([\d.]+)"/.exec(svg)![1]);
    const png = readFileSync(reports.pngs[0]);
    expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
    // IHDR: width and height as big-endian integers at bytes 16 and 20.
    expect(png.readUInt32BE(16)).toBe(Math.round(svgWidth * 2));
    // Decoded by the browser: the estimates and band are drawn, not a blank image.
    const page = await browser.newPage();
    // Runs in the page (DOM code, kept as text: the tests compile without DOM types).
    const inked = (await page.evaluate(`(async () => {
      const image = new Image();
      image.src = 'data:image/png;base64,${png.toString('base64')}';
      await image.decode();
      const canvas = document.createElement('canvas');
      canvas.width = image.width;
      canvas.height = image.height;
      const context = canvas.getContext('2d');
      context.drawImage(image, 0, 0);
      const data = context.getImageData(0, 0, image.width, image.height).data;
      let inked = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i] + data[i + 1] + data[i + 2] < 700) inked++;
      return inked / (image.width * image.height);
    })()`)) as number;
    // Pixels darker than near-white: the shaded band and the estimates cover much of the plot (about 19 % of the
    // demo's event study), far more than axes and labels alone.
    expect(inked).toBeGreaterThan(0.08);
    await page.close();
    const artifacts = join(projectRoot(), '.data', 'test-artifacts');
    mkdirSync(artifacts, { recursive: true });
    writeFileSync(join(artifacts, 'event-study.png'), png);
  });

  /** The data-field cells under a selector: each one's data-value (full precision) and its text. */
  async function fieldsOf(page: Awaited<ReturnType<typeof open>>['page'], selector: string): Promise<Record<string, { value: string | null; text: string }>> {
    return (await page.evaluate(
      `Object.fromEntries([...document.querySelectorAll(${JSON.stringify(`${selector} [data-field]`)})].map((e) => [e.getAttribute('data-field'), { value: e.getAttribute('data-value'), text: e.textContent }]))`,
    )) as Record<string, { value: string | null; text: string }>;
  }

  const asNumber = (value: string | null | undefined) => (value === null || value === undefined || value === '' ? null : Number(value));
  const EVALUATED = ['sme-labour-saving', 'critical-minerals', 'large-scale-growth-investment'];

  it('opens each page with a summary box equal to the view it reads: bi.public_effect_estimates in the public variant, bi.effect_estimates in the internal one', async () => {
    for (const id of EVALUATED) {
      const programme = getProgramme(id);
      const { rows: published } = await sql<{ outcome: string; estimator: string; design: string; estimate: number; ci_low: number; ci_high: number; p_value: number; std_error: number; units: number; comparison_units: number; firms: number }>`
        SELECT outcome, estimator, design, estimate, ci_low, ci_high, p_value, std_error, units, comparison_units, firms
          FROM bi.public_effect_estimates WHERE programme_id = ${id} AND is_programme_headline`.execute(database.db);
      const { rows: full } = await sql<{ outcome: string; estimator: string; estimate: number; ci_low: number; ci_high: number; p_value: number; std_error: number; units: number; comparison_units: number }>`
        SELECT outcome, estimator, estimate, ci_low, ci_high, p_value, std_error, treated_units AS units, comparison_units
          FROM bi.effect_estimates WHERE programme_id = ${id} AND is_programme_headline`.execute(database.db);
      expect(published, id).toHaveLength(1);
      expect(full, id).toHaveLength(1);
      const headline = published[0];
      // The headline is the first spec outcome whose design estimates an effect (the RD outcome for large-scale growth, not average_wage).
      expect(headline.outcome).toBe(programme.studySpec.outcomes[0]);
      const indicator = LOGIC_MODEL_STAGE_KEYS.flatMap((stage) => programme.file.logicModel[stage]).find((i) => i.id === programme.studySpec.outcomeIndicators?.[headline.outcome]);
      expect(indicator, id).toBeDefined();
      for (const [variant, row] of [['public', { ...headline }], ['internal', { ...full[0], firms: undefined, design: headline.design }]] as const) {
        const { page, errors } = await open(join(scratch, variant, `${id}.html`));
        const box = await fieldsOf(page, '.summary');
        const where = `${variant} ${id}`;
        expect(await page.getAttribute('.summary', 'data-outcome'), where).toBe(row.outcome);
        expect(await page.getAttribute('.summary', 'data-estimator'), where).toBe(row.estimator);
        expect(box['indicator-ja'].text, where).toBe(indicator!.nameJa);
        expect(box['indicator-en'].text, where).toBe(indicator!.nameEn);
        expect(box.unit.text, where).toBe(indicator!.unit);
        expect(box.design.text, where).toBe(`${designLabel(row.design).ja} / ${designLabel(row.design).en}`);
        expect(asNumber(box.estimate.value), where).toBe(row.estimate);
        expect(asNumber(box['ci-low'].value), where).toBe(row.ci_low);
        expect(asNumber(box['ci-high'].value), where).toBe(row.ci_high);
        expect(asNumber(box['p-value'].value), where).toBe(row.p_value);
        expect(asNumber(box['std-error'].value), where).toBe(row.std_error);
        expect(asNumber(box.units.value), where).toBe(row.units);
        expect(asNumber(box['comparison-units'].value), where).toBe(row.comparison_units);
        if (row.firms !== undefined) expect(asNumber(box.firms.value), where).toBe(row.firms);
        expect(box.status.text, where).toBe('推定済み / estimated');
        // The effects table starts with the headline row.
        expect(await page.getAttribute('table.effects tr[data-outcome]', 'data-estimator'), where).toBe(row.estimator);
        expect(errors, where).toEqual([]);
        await page.close();
      }
    }
  });

  it('gives every programme of the catalogue an index row equal to its page\'s summary box, in both variants', async () => {
    for (const variant of ['public', 'internal']) {
      const index = await open(join(scratch, variant, 'index.html'));
      expect(await index.page.locator('tr[data-programme]').count()).toBe(listProgrammes().length);
      for (const programme of listProgrammes()) {
        const row = await fieldsOf(index.page, `tr[data-programme="${programme.id}"]`);
        const { page } = await open(join(scratch, variant, `${programme.id}.html`));
        const box = await fieldsOf(page, '.summary');
        expect(Object.keys(row).length, programme.id).toBeGreaterThanOrEqual(14);
        for (const [field, cell] of Object.entries(row)) expect(cell, `${variant} ${programme.id} ${field}`).toEqual(box[field]);
        await page.close();
      }
      await index.page.close();
    }
    // Not yet evaluated: the box names the outcome that will headline and says it is not evaluated.
    const bio = await open(join(scratch, 'public', 'biomanufacturing.html'));
    expect((await fieldsOf(bio.page, '.summary')).status.text).toContain('not evaluated yet');
    await bio.page.close();
  });

  it('keeps every other programme in the index when one page is written after all of them, and never writes one variant into the other\'s folder', async () => {
    const folder = join(scratch, 'public');
    const before = readFileSync(join(folder, 'index.html'), 'utf8');
    await writeReports(database.db, [getProgramme('critical-minerals')], folder, { variant: 'public' });
    expect(readFileSync(join(folder, 'index.html'), 'utf8')).toBe(before);
    // A fresh folder with one page: the index still lists (and quotes) every programme, linking the one page.
    const single = join(scratch, 'single');
    await writeReports(database.db, [getProgramme('critical-minerals')], single, { variant: 'public' });
    const singleIndex = readFileSync(join(single, 'index.html'), 'utf8');
    expect(singleIndex.split('data-programme=').length - 1).toBe(listProgrammes().length);
    // Apart from the links (to a page, and to its review-sheet section, which only a written page has), the rows are the same.
    const withoutSheetLinks = (html: string) => html.replace(/<br><small><a data-link="review-sheets"[^>]*>.*?<\/a><\/small>/g, '');
    expect(withoutSheetLinks(singleIndex).replace(/<td><a href="[^"]+">([^<]+)<\/a>|<td>([^<]+) <small>（ページ未作成[^<]*<\/small>/g, '<td>$1$2')).toBe(
      withoutSheetLinks(before).replace(/<td><a href="[^"]+">([^<]+)<\/a>/g, '<td>$1'),
    );
    expect(singleIndex.match(/data-link="review-sheets"/g)?.length).toBe(1);
    await expect(writeReports(database.db, [getProgramme('critical-minerals')], folder, { variant: 'internal' })).rejects.toThrow(ReportVariantMismatchError);
  });

  it('marks every internal page and index 内部資料・公表不可 and no public one, and shows a suppressed number in the internal page only', async () => {
    const marked = (html: string) => html.includes('内部資料・公表不可 / Internal — not for publication');
    for (const programme of listProgrammes()) {
      const internal = readFileSync(join(scratch, 'internal', `${programme.id}.html`), 'utf8');
      expect(marked(internal), programme.id).toBe(true);
      expect(/<title>【内部資料・公表不可】/.test(internal), programme.id).toBe(true);
      expect(marked(readFileSync(join(scratch, 'public', `${programme.id}.html`), 'utf8')), programme.id).toBe(false);
    }
    expect(marked(readFileSync(join(scratch, 'internal', 'index.html'), 'utf8'))).toBe(true);
    expect(marked(readFileSync(join(scratch, 'public', 'index.html'), 'utf8'))).toBe(false);
    const internalPage = await open(join(scratch, 'internal', 'critical-minerals.html'));
    expect(await internalPage.page.isVisible('.internal-banner')).toBe(true);
    await internalPage.page.close();

    // A minimum just above the distinct firms behind the headline: the public page withholds it, the internal one shows it.
    const { rows } = await sql<{ units: number; estimate: number }>`
      SELECT treated_firms AS units, estimate FROM bi.effect_estimates WHERE programme_id = 'critical-minerals' AND is_programme_headline`.execute(database.db);
    expect(rows[0].units).toBeGreaterThan(0);
    await configureDisclosure(database.db, rows[0].units + 1);
    try {
      const programme = [getProgramme('critical-minerals')];
      await writeReports(database.db, programme, join(scratch, 'suppressed-public'), { variant: 'public' });
      await writeReports(database.db, programme, join(scratch, 'suppressed-internal'));
      const pub = await open(join(scratch, 'suppressed-public', 'critical-minerals.html'));
      const publicBox = await fieldsOf(pub.page, '.summary');
      expect(publicBox.estimate.value).toBe('');
      expect(publicBox.estimate.text).toBe('—');
      expect(publicBox.status.text).toContain(`withheld (fewer than ${rows[0].units + 1} firms`);
      await pub.page.close();
      const internal = await open(join(scratch, 'suppressed-internal', 'critical-minerals.html'));
      const internalBox = await fieldsOf(internal.page, '.summary');
      expect(asNumber(internalBox.estimate.value)).toBe(rows[0].estimate);
      expect(internalBox.status.text).toBe('推定済み / estimated');
      await internal.page.close();
    } finally {
      await configureDisclosure(database.db, 10);
    }
  });

  it('shows the synthetic-DiD and RD designs\' own settings and no staggered-DiD placeholder where that design does not apply', async () => {
    const minerals = readFileSync(join(scratch, 'internal', 'critical-minerals.html'), 'utf8');
    expect(minerals).not.toMatch(/yet: run an evaluation|No pre-test yet|No event study/);
    expect(minerals).toContain('which does not produce the event study');
    expect(minerals).toMatch(/standard error by the jackknife, or by 200 placebo draws \(seed 11\) when a cohort has a single awarded unit/);
    expect(minerals).not.toMatch(/bootstrap \d+/);
    const scored = readFileSync(join(scratch, 'internal', 'large-scale-growth-investment.html'), 'utf8');
    // RD for labour productivity, staggered DiD for the average wage: each with its own settings.
    expect(scored).toMatch(/data-outcome="labour_productivity" data-design="rd_review_score">[^]*kernel triangular; 多項式の次数 \/ polynomial order 1; 帯域幅の選択 \/ bandwidth selector mserd; 追跡年数 \/ follow-up years 2; シャープ \/ sharp/);
    expect(scored).toMatch(/data-outcome="average_wage" data-design="staggered_did">[^]*method dr; 基準期 \/ base period/);
    expect(scored).not.toContain('yet: run an evaluation');
  });

  it('replaces withheld cohorts, years, event times and KPI values with a message, and a whole chart when all its cells are withheld', async () => {
    const { rows: cohorts } = await sql<{ units: number }>`
      SELECT cell_units AS units FROM results.effect_estimates
       WHERE estimator = 'cs_group' AND cohort IS NOT NULL AND outcome = 'labour_productivity' ORDER BY cell_units`.execute(database.db);
    expect(cohorts.length).toBeGreaterThanOrEqual(3);
    const programme = [getProgramme('sme-labour-saving')];

    // One cohort below the minimum: it is withheld, and with it the outcome's other cohorts, years and event times
    // (with the overall effects published, the rest would determine it: the disclosure rule's linked tables); the
    // page says why for each, and the overall effects stay.
    await configureDisclosure(database.db, cohorts[0].units + 1);
    await writeReports(database.db, programme, join(scratch, 'partly-withheld'), { variant: 'public' });
    const partly = await open(join(scratch, 'partly-withheld', 'sme-labour-saving.html'));
    expect(await partly.page.locator('[id^="by-cohort-"], [id^="by-year-"], [id^="event-study-"]').count()).toBe(0);
    const partlyText = (await partly.page.textContent('body')) ?? '';
    expect(partlyText).toContain(`withheld: fewer than ${cohorts[0].units + 1} firms`);
    expect(partlyText).toContain('withheld so that the other withheld cohort cannot be derived');
    expect(partlyText).toContain('No chart: every cohort is withheld.');
    expect(partly.errors).toEqual([]);
    await partly.page.close();

    // A minimum no cell reaches: every cohort and every KPI value is withheld.
    await configureDisclosure(database.db, 1_000_000);
    await writeReports(database.db, programme, join(scratch, 'all-withheld'), { variant: 'public' });
    const all = await open(join(scratch, 'all-withheld', 'sme-labour-saving.html'));
    expect(await all.page.locator('[id^="by-cohort-"], [id^="by-year-"], [id^="event-study-"]').count()).toBe(0);
    const allText = (await all.page.textContent('body')) ?? '';
    expect(allText).toContain('No chart: every cohort is withheld.');
    expect(allText).toContain('No chart: every year is withheld.');
    expect(allText).toContain('No chart: every event time is withheld.');
    // Every KPI value and every estimated overall effect is withheld, each with the reason, and so is the headline in the summary box.
    const withheldCells = await sql<{ kpis: number; effects: number }>`
      SELECT (SELECT count(*)::integer FROM bi.kpi_progress WHERE programme_id = 'sme-labour-saving') AS kpis,
             (SELECT count(*)::integer FROM bi.public_effect_estimates WHERE programme_id = 'sme-labour-saving' AND status = 'estimated') AS effects`.execute(database.db);
    const { kpis, effects } = withheldCells.rows[0];
    expect(kpis).toBeGreaterThan(0);
    expect(effects).toBeGreaterThan(0);
    expect(allText.split('withheld (fewer than 1000000 firms, or to protect another withheld value)').length - 1).toBe(kpis + effects + 1);
    expect(all.errors).toEqual([]);
    await all.page.close();
    await configureDisclosure(database.db, 10);
  });
});
