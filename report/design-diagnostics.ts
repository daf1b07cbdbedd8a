/**
 * The page section on how each outcome is evaluated, with each design's own diagnostics in Japanese and
 * English: for synthetic DiD, how closely the synthetic comparison follows the awarded units before the
 * award, how concentrated its donor weights are and how the standard error was computed, beside the
 * treated-against-synthetic chart; for regression discontinuity, the bandwidths and units either side, the
 * density (manipulation) test and the covariate balance at the cut-off, beside the binned scatter. Numbers
 * come from bi.synthetic_diagnostics, bi.rd_summaries and bi.rd_covariate_balance (via report-data.ts).
 */
import { rdScatterChart, syntheticPathChart, type VegaLiteSpec } from './charts.js';
import type { DesignKind } from '../schemas/study-spec.js';
import { DESIGN_LABELS } from './design-labels.js';
import { applicantField, outcomeIndicator, type OutcomeIndicator } from './outcome-indicator.js';
import type { RdCovariateBalanceRow, RdSummary, ReportData, SyntheticDiagnosticsRow } from './report-data.js';

/** Where the section puts its charts (the page's chart list): returns the element that shows the chart. */
export interface ChartSink {
  add(id: string, spec: VegaLiteSpec): string;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] as string);
}

function fixed(value: number | null, digits = 2): string {
  return value === null || !Number.isFinite(value) ? '—' : value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function percent(share: number | null, digits = 0): string {
  return share === null || !Number.isFinite(share) ? '—' : `${(share * 100).toFixed(digits)}%`;
}

/** "0.16 万円/人" (the unit after a space, none when the indicator has no unit). */
function measured(value: number | null, indicator: OutcomeIndicator, digits = 2): string {
  return `${fixed(value, digits)}${indicator.unit ? ` ${escapeHtml(indicator.unit)}` : ''}`;
}

/** A paragraph with the Japanese sentence above the English one. */
function bilingual(ja: string, en: string, className = ''): string {
  return `<p${className ? ` class="${className}"` : ''}>${ja}<br><span lang="en">${en}</span></p>`;
}

function outcomeHeading(indicator: OutcomeIndicator, ja: string, en: string): string {
  return `<h3>${escapeHtml(indicator.nameJa)}：${ja} / ${escapeHtml(indicator.nameEn)}: ${en}</h3>`;
}

export function designDiagnosticsSection(charts: ChartSink, data: ReportData): string {
  if (data.designs.length === 0) return '';
  const list = `<ul>${data.designs
    .map((d) => {
      const indicator = outcomeIndicator(data.programme, d.outcome);
      const label = d.design in DESIGN_LABELS ? DESIGN_LABELS[d.design as DesignKind] : { ja: d.design, en: d.design, explanation: null };
      const explanation = label.explanation ? ` — ${escapeHtml(label.explanation.ja)} / ${escapeHtml(label.explanation.en)}` : '';
      return (
        `<li><b>${escapeHtml(indicator.nameJa)}</b> / ${escapeHtml(indicator.nameEn)}: ${escapeHtml(label.ja)} / ${escapeHtml(label.en)}` +
        `${explanation}${d.reason ? ` — 理由 / reason: ${escapeHtml(d.reason)}` : ''}</li>`
      );
    })
    .join('')}</ul>`;
  const parts = data.designs.map((d, index) => {
    if (d.design === 'synthetic_did') return syntheticDidDiagnostics(charts, data, d.outcome, index);
    if (d.design === 'rd_review_score') return regressionDiscontinuityDiagnostics(charts, data, d.outcome, index);
    return '';
  });
  return `<h2>評価デザインと診断 / Evaluation design and its diagnostics per outcome</h2>${list}${parts.join('')}`;
}

function syntheticDidDiagnostics(charts: ChartSink, data: ReportData, outcome: string, index: number): string {
  const indicator = outcomeIndicator(data.programme, outcome);
  const rows = data.syntheticPaths.published.filter((row) => row.outcome === outcome);
  const withheld = data.syntheticPaths.withheld.filter((cell) => cell.outcome === outcome).map((cell) => `e=${cell.eventTime}`);
  const withheldNote = withheld.length
    ? bilingual(
        `${escapeHtml(withheld.join(', '))}：企業数が${data.minCellUnits}社未満、又は他の非公表値の逆算防止のため非公表`,
        `${escapeHtml(withheld.join(', '))}: withheld, fewer than ${data.minCellUnits} firms behind them or protecting another withheld value.`,
        'empty withheld',
      )
    : '';
  const chart = rows.length ? charts.add(`synthetic-path-${index}`, syntheticPathChart(rows, indicator, data.syntheticPaths.withheld.filter((cell) => cell.outcome === outcome).map((cell) => cell.eventTime))) : '';
  const diagnostics = data.syntheticDiagnostics.filter((row) => row.outcome === outcome);
  const pooled = diagnostics.find((row) => row.awardFiscalYear === null);
  const heading = outcomeHeading(indicator, '合成DiDの診断', 'synthetic DiD diagnostics');
  if (!pooled) {
    return (
      heading +
      chart +
      withheldNote +
      bilingual('診断はありません：合成DiDが推定されていません（効果の表の注記を参照）。', 'No diagnostics: the synthetic DiD was not estimated (see the note in the effects table).', 'empty')
    );
  }
  return heading + chart + withheldNote + syntheticFacts(pooled, indicator) + cohortTable(diagnostics, indicator, data.variant === 'public' ? data.minCellUnits : 0);
}

/** The pooled row in sentences: pre-award fit, donor-weight concentration, the standard error. */
function syntheticFacts(pooled: SyntheticDiagnosticsRow, indicator: OutcomeIndicator): string {
  const ratio = pooled.preFitRmseToSd;
  const loose = ratio !== null && ratio > 0.5;
  const fit = bilingual(
    `交付前の適合：採択群の平均と合成対照（水準調整後）の差の二乗平均平方根（RMSE）は ${measured(pooled.preFitRmse, indicator)}、交付前のアウトカムの標準偏差 ${measured(pooled.prePeriodSd, indicator)} の ${percent(ratio)}（${pooled.preYears ?? '—'} コホート・年）。` +
      (loose ? '差が大きく、合成対照は交付前の推移を十分に再現していません。推定値は慎重に読んでください。' : ''),
    `Pre-award fit: the root mean square gap between the awarded units' mean and the (level-shifted) synthetic comparison is ${measured(pooled.preFitRmse, indicator)}, ${percent(ratio)} of the outcome's pre-award standard deviation of ${measured(pooled.prePeriodSd, indicator)} (${pooled.preYears ?? '—'} cohort-years).` +
      (loose ? ' The gap is large: the synthetic comparison does not follow the awarded units before the award well, so read the estimate with care.' : ''),
    loose ? 'warning' : '',
  );
  const few = pooled.effectiveDonors !== null && pooled.effectiveDonors < 5;
  const weights = bilingual(
    `ドナーの重み：候補 ${pooled.donorPool} 件のうち ${pooled.donorsWeighted ?? '—'} 件に正の重み。有効ドナー数（1/Σw²）は ${fixed(pooled.effectiveDonors, 1)}、最大の重みは ${percent(pooled.maxDonorWeight, 1)}。` +
      (few ? '合成対照は少数のドナーに依存しています。' : ''),
    `Donor weights: ${pooled.donorsWeighted ?? '—'} of the ${pooled.donorPool} donors in the pool carry weight; the effective number of donors (1/Σw²) is ${fixed(pooled.effectiveDonors, 1)} and the largest weight ${percent(pooled.maxDonorWeight, 1)}.` +
      (few ? ' The synthetic comparison rests on a few donors.' : ''),
    few ? 'warning' : '',
  );
  const se =
    pooled.seMethod === 'jackknife'
      ? bilingual(
          `標準誤差：ジャックナイフ法（採択 ${pooled.treatedUnits} 件とドナー ${pooled.donorPool} 件を 1 件ずつ除いて再推定）。`,
          `Standard error: jackknife (re-estimated leaving out each of the ${pooled.treatedUnits} awarded units and ${pooled.donorPool} donors in turn).`,
        )
      : pooled.seMethod === 'placebo'
        ? bilingual(
            `標準誤差：プラセボ法（ドナー ${pooled.donorPool} 件から採択群を装うドナーを ${pooled.placeboDraws ?? '—'} 回抽出）。採択が 1 件だけのコホートがあり、ジャックナイフ法は使えません。`,
            `Standard error: placebo (${pooled.placeboDraws ?? '—'} draws of donors posing as the awarded units, from the ${pooled.donorPool} donors): a cohort has a single awarded unit, so the jackknife cannot be used.`,
          )
        : bilingual(
            '標準誤差なし：採択が 1 件だけのコホートがあり、プラセボ法に足りるドナーもありません。信頼区間はありません。',
            'No standard error: a cohort has a single awarded unit and there are too few donors for placebo draws, so there is no interval.',
            'warning',
          );
  return fit + weights + se;
}

function cohortTable(rows: readonly SyntheticDiagnosticsRow[], indicator: OutcomeIndicator, minCellUnits: number): string {
  const header =
    '<tr><th>採択年度 / cohort</th><th>採択数 / awarded units</th><th>交付前の年数 / pre-award years</th>' +
    `<th>交付前の適合 RMSE${indicator.unit ? `（${escapeHtml(indicator.unit)}）` : ''} / pre-award fit RMSE</th><th>RMSE ÷ 交付前の標準偏差 / RMSE ÷ pre-award SD</th>` +
    '<th>正の重みのドナー / donors with weight</th><th>有効ドナー数 / effective donors</th><th>最大の重み / largest weight</th></tr>';
  // The disclosure rule counts firms. The pooled row and the other cohorts would give a withheld cohort's figures by
  // difference, so one cohort under the minimum withholds every cohort row (the pooled row stays).
  const cohortWithheld = rows.some((row) => row.awardFiscalYear !== null && (row.treatedFirms ?? row.treatedUnits) < minCellUnits);
  const body = rows
    .map((row) => {
      const label = row.awardFiscalYear === null ? '全コホート / all cohorts' : `FY${row.awardFiscalYear}`;
      if (row.awardFiscalYear !== null && cohortWithheld) {
        return `<tr><td>${label}</td><td colspan="7">非公表：企業数が${minCellUnits}社未満のコホートがあり、差し引きで逆算できるため / withheld: a cohort rests on fewer than ${minCellUnits} firms, and the others would give it by difference</td></tr>`;
      }
      return (
        `<tr${row.awardFiscalYear === null ? ' class="headline"' : ''}><td>${label}</td><td>${row.treatedUnits}</td><td>${row.preYears ?? '—'}</td><td>${fixed(row.preFitRmse)}</td>` +
        `<td>${percent(row.preFitRmseToSd)}</td><td>${row.donorsWeighted ?? '—'} / ${row.donorPool}</td><td>${fixed(row.effectiveDonors, 1)}</td><td>${percent(row.maxDonorWeight, 1)}</td></tr>`
      );
    })
    .join('');
  return `<table class="diagnostics">${header}${body}</table>`;
}

const KERNELS: Readonly<Record<string, { ja: string; en: string }>> = {
  triangular: { ja: '三角', en: 'triangular' },
  epanechnikov: { ja: 'エパネチニコフ', en: 'Epanechnikov' },
  uniform: { ja: '一様', en: 'uniform' },
};

function regressionDiscontinuityDiagnostics(charts: ChartSink, data: ReportData, outcome: string, index: number): string {
  const indicator = outcomeIndicator(data.programme, outcome);
  const heading = outcomeHeading(indicator, '回帰不連続の診断', 'regression discontinuity diagnostics');
  const bins = data.rdBins.filter((bin) => bin.outcome === outcome);
  const chart = bins.length
    ? charts.add(`rd-scatter-${index}`, rdScatterChart(bins, indicator))
    : bilingual('公表できるビンがありません。', `No bin has enough units to publish (at least ${data.minCellUnits}).`, 'empty');
  const summary = data.rdSummaries.find((s) => s.outcome === outcome);
  if (!summary) {
    return heading + bilingual('診断はありません：回帰不連続が推定されていません（効果の表の注記を参照）。', 'No diagnostics: the regression discontinuity was not estimated (see the note in the effects table).', 'empty') + chart;
  }
  const balance = data.rdCovariateBalance.filter((row) => row.outcome === outcome);
  return heading + rdFacts(summary) + densityLine(summary) + balanceTable(data, balance, indicator) + chart;
}

/** The design's facts line: bandwidths, units either side, outcome, sharp or fuzzy, kernel, order and selector. */
function rdFacts(s: RdSummary): string {
  const kernel = KERNELS[s.kernel] ?? { ja: s.kernel, en: s.kernel };
  const against = s.awardsAgainstScore
    ? { ja: `基準点と逆の採否が ${s.awardsAgainstScore} 件あります。`, en: ` ${s.awardsAgainstScore} applications were decided against their round's cut-off.` }
    : { ja: '', en: '' };
  const firstStage = s.fuzzy && s.firstStage !== null ? { ja: `基準点での採択率の跳ねは ${fixed(s.firstStage)}。`, en: ` The award rate jumps by ${fixed(s.firstStage)} at the cut-off.` } : { ja: '', en: '' };
  const facts = bilingual(
    `帯域幅：基準点の下 ${fixed(s.hLeft)} 点、上 ${fixed(s.hRight)} 点（偏り補正用 ${fixed(s.bLeft)} / ${fixed(s.bRight)} 点）。帯域内の単位数：下 ${s.effectiveLeft}、上 ${s.effectiveRight}（全体では下 ${s.unitsLeft}、上 ${s.unitsRight}）。` +
      `アウトカム：交付前年度から交付後 ${s.followUpYears} 年間の平均への変化。${s.fuzzy ? 'ファジー' : 'シャープ'}・デザイン、${kernel.ja}カーネル、${s.polynomialOrder} 次の局所多項式、帯域幅の選択 ${escapeHtml(s.bandwidthSelector)}。` +
      `${against.ja}${firstStage.ja}${s.unitsDropped ? `審査点またはアウトカムの年度が欠ける ${s.unitsDropped} 単位は除外。` : ''}`,
    `Bandwidth: ${fixed(s.hLeft)} points below and ${fixed(s.hRight)} above the cut-off (bias correction: ${fixed(s.bLeft)} / ${fixed(s.bRight)}). Units within it: ${s.effectiveLeft} below and ${s.effectiveRight} above (of ${s.unitsLeft} and ${s.unitsRight} in all). ` +
      `Outcome: the change from the year before award to the mean of ${s.followUpYears} follow-up years. ${s.fuzzy ? 'Fuzzy' : 'Sharp'} design, ${kernel.en} kernel, local polynomial of order ${s.polynomialOrder}, bandwidth selector ${escapeHtml(s.bandwidthSelector)}.` +
      `${against.en}${firstStage.en}${s.unitsDropped ? ` ${s.unitsDropped} units without a review score or a needed year are left out.` : ''}`,
    'rd-facts',
  );
  return facts;
}

function densityLine(s: RdSummary): string {
  if (s.densityPValue === null) {
    return bilingual('密度検定（審査点の操作の検定）は計算できませんでした（実行の注記を参照）。', 'The density (manipulation) test could not be computed (see the run notes).', 'empty');
  }
  const bunched = s.densityPValue < 0.05;
  return bilingual(
    `密度検定（rddensity、審査点の操作の検定）：T = ${fixed(s.densityStatistic)}、p = ${fixed(s.densityPValue, 3)}。` +
      (bunched ? '基準点で審査点の密度に不連続があり、点数が基準点を越えるよう操作された可能性があります。推定値は慎重に読んでください。' : '基準点で審査点の密度に不連続は見られません。'),
    `Density (manipulation) test (rddensity): T = ${fixed(s.densityStatistic)}, p = ${fixed(s.densityPValue, 3)}. ` +
      (bunched ? 'The scores bunch at the cut-off, as if pushed over it: read the estimate with care.' : 'No sign that scores bunch at the cut-off.'),
    bunched ? 'warning' : '',
  );
}

function balanceTable(data: ReportData, rows: readonly RdCovariateBalanceRow[], indicator: OutcomeIndicator): string {
  const title = '<h4>基準点での共変量バランス / Covariate balance at the cut-off</h4>';
  if (rows.length === 0) {
    return title + bilingual('共変量バランスはまだ計算されていません：評価を再実行してください。', 'Covariate balance has not been computed yet: run the evaluation again.', 'empty');
  }
  const intro = bilingual(
    '交付より前に決まる変数は、デザインが正しければ基準点で跳ねません。事前登録された申請時の属性とアウトカムの交付前年度の水準について、アウトカムと同じ推定（同じカーネル・次数・帯域幅の選択、シャープ）で基準点での差を推定しました。帯域幅は変数ごとに選んでいます（アウトカムの帯域幅ではありません）。',
    "Variables fixed before the award cannot jump at the cut-off if the design holds. For each pre-registered applicant characteristic and the outcome's level the year before award, the jump at the cut-off is estimated like the outcome (same kernel, order and bandwidth selector, as a sharp design), each with the bandwidth its selector picks for that variable, not the outcome's.",
  );
  const header =
    '<tr><th>変数 / variable</th><th>基準点での差（上 − 下） / jump at the cut-off (above − below)</th><th>頑健な95%信頼区間 / robust 95% CI</th><th>p</th>' +
    '<th>帯域幅（下 / 上、点） / bandwidth (below / above, points)</th><th>帯域内の単位数（下 + 上） / units within it (below + above)</th><th>判定 / reading</th></tr>';
  const body = rows
    .map((row) => {
      const name =
        row.kind === 'characteristic'
          ? (() => {
              const field = applicantField(data.programme, row.covariate);
              return `${escapeHtml(field.nameJa)}（申請時） / ${escapeHtml(field.nameEn)}`;
            })()
          : `${escapeHtml(indicator.nameJa)}（交付前年度${indicator.unit ? `、${escapeHtml(indicator.unit)}` : ''}） / ${escapeHtml(indicator.nameEn)}, the year before award`;
      if (row.estimate === null) return `<tr><td>${name}</td><td colspan="6">推定できません / not estimable: ${escapeHtml(row.note ?? '')}</td></tr>`;
      const jump = row.pValue !== null && row.pValue < 0.05;
      return (
        `<tr${jump ? ' class="warning"' : ''}><td>${name}</td><td>${fixed(row.estimate)}</td><td>[${fixed(row.ciLow)}, ${fixed(row.ciHigh)}]</td><td>${fixed(row.pValue, 3)}</td>` +
        `<td>${fixed(row.hLeft)} / ${fixed(row.hRight)}</td><td>${row.effectiveLeft ?? '—'} + ${row.effectiveRight ?? '—'}</td>` +
        `<td>${jump ? '5%水準で不連続あり：デザインに疑義 / jump at 5%: casts doubt on the design' : '5%水準で不連続なし / no jump at 5%'}</td></tr>`
      );
    })
    .join('');
  return `${title}${intro}<table class="diagnostics">${header}${body}</table>`;
}
