import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSyntheticFiles } from '../cli/commands/generate.js';
import { runStudy } from '../cli/run-study.js';
import { projectRoot } from '../config/project-root.js';
import { sql } from 'kysely';
import { getProgramme } from '../programmes/catalogue.js';
import { writeReports, type WrittenReports } from '../report/write-reports.js';
import { configureDisclosure } from '../sql/migrate.js';
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
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 300_000);

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
    expect(text).toMatch(/Labour productivity of supported firms \(mean\)[\d.,]+[\d.,]+(検出可能 \/ detectable|目標が検出限界未満)/);
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
    expect(mineralsText).toContain('secured_supply: 合成DiD / synthetic DiD');
    expect(mineralsText).toContain('合成DiD / synthetic DiD (headline)');
    expect(minerals.errors).toEqual([]);
    await minerals.page.close();
    const scored = await open(join(scratch, 'reports', 'large-scale-growth-investment.html'));
    await scored.page.waitForSelector('[id^="rd-scatter-"] svg', { timeout: 20_000 });
    expect(await scored.page.locator('[id^="rd-scatter-"] svg .mark-symbol path').count()).toBeGreaterThan(10);
    // One fitted line either side of the cut-off.
    expect(await scored.page.locator('[id^="rd-scatter-"] svg .mark-line path').count()).toBe(2);
    const scoredText = (await scored.page.textContent('body')) ?? '';
    expect(scoredText).toMatch(/manipulation test p = [\d.]+/);
    expect(scoredText).toContain('regression discontinuity, robust interval (headline)');
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
    await writeReports(database.db, programme, join(scratch, 'partly-withheld'));
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
    await writeReports(database.db, programme, join(scratch, 'all-withheld'));
    const all = await open(join(scratch, 'all-withheld', 'sme-labour-saving.html'));
    expect(await all.page.locator('[id^="by-cohort-"], [id^="by-year-"], [id^="event-study-"]').count()).toBe(0);
    const allText = (await all.page.textContent('body')) ?? '';
    expect(allText).toContain('No chart: every cohort is withheld.');
    expect(allText).toContain('No chart: every year is withheld.');
    expect(allText).toContain('No chart: every event time is withheld.');
    // Every KPI value and every estimated overall effect is withheld, each with the reason.
    const withheldCells = await sql<{ kpis: number; effects: number }>`
      SELECT (SELECT count(*)::integer FROM bi.kpi_progress WHERE programme_id = 'sme-labour-saving') AS kpis,
             (SELECT count(*)::integer FROM bi.public_effect_estimates WHERE programme_id = 'sme-labour-saving' AND status = 'estimated') AS effects`.execute(database.db);
    const { kpis, effects } = withheldCells.rows[0];
    expect(kpis).toBeGreaterThan(0);
    expect(effects).toBeGreaterThan(0);
    expect(allText.split('withheld (fewer than 1000000 firms)').length - 1).toBe(kpis + effects);
    expect(all.errors).toEqual([]);
    await all.page.close();
    await configureDisclosure(database.db, 10);
  });
});
