/**
 * How the synthetic data of each programme is shaped: many small firms for the SME subsidies, few large
 * projects for semiconductors and minerals, sites for charging infrastructure, consortia for the R&D funds;
 * one programme with no effect at all, one whose effect grows with time since award, and attrition.
 * Every figure here is invented.
 */
export interface EffectProfile {
  /** constant: the same effect every year after award; zero: none; growing: base·(1 + e)/2 in year e after award. */
  readonly kind: 'constant' | 'zero' | 'growing';
  readonly labourProductivity: number;
  readonly averageWage: number;
  readonly employees: number;
}

export interface SyntheticProfile {
  readonly applicants: number;
  readonly awardShare: number;
  readonly unitLabel: string;
  readonly employeesMedian: number;
  /** Mean labour productivity (万円 per employee) and its spread across units. */
  readonly productivityLevel: number;
  readonly productivitySpread: number;
  readonly wageLevel: number;
  readonly effect: EffectProfile;
  /** Share of units that stop reporting part-way through the panel. */
  readonly attritionShare: number;
  readonly seed: number;
}

const constant = (labourProductivity: number, averageWage: number): EffectProfile => ({ kind: 'constant', labourProductivity, averageWage, employees: 0 });

export const SYNTHETIC_PROFILES: Readonly<Record<string, SyntheticProfile>> = {
  'semiconductor-fund': { applicants: 60, awardShare: 0.5, unitLabel: 'プロジェクト', employeesMedian: 800, productivityLevel: 1800, productivitySpread: 300, wageLevel: 700, effect: constant(120, 20), attritionShare: 0, seed: 101 },
  'green-innovation-fund': { applicants: 240, awardShare: 0.5, unitLabel: 'コンソーシアム', employeesMedian: 300, productivityLevel: 1200, productivitySpread: 250, wageLevel: 600, effect: constant(60, 10), attritionShare: 0.05, seed: 102 },
  biomanufacturing: { applicants: 120, awardShare: 0.4, unitLabel: 'プロジェクト', employeesMedian: 150, productivityLevel: 1000, productivitySpread: 200, wageLevel: 550, effect: constant(50, 8), attritionShare: 0, seed: 103 },
  'space-strategy-fund': { applicants: 200, awardShare: 0.45, unitLabel: 'プロジェクト', employeesMedian: 60, productivityLevel: 900, productivitySpread: 220, wageLevel: 560, effect: constant(70, 12), attritionShare: 0.05, seed: 104 },
  'global-south-co-creation': { applicants: 400, awardShare: 0.5, unitLabel: '事業者', employeesMedian: 120, productivityLevel: 800, productivitySpread: 180, wageLevel: 500, effect: { kind: 'zero', labourProductivity: 0, averageWage: 0, employees: 0 }, attritionShare: 0.05, seed: 105 },
  'large-scale-growth-investment': { applicants: 900, awardShare: 0.4, unitLabel: '株式会社', employeesMedian: 150, productivityLevel: 750, productivitySpread: 150, wageLevel: 470, effect: constant(60, 15), attritionShare: 0.03, seed: 106 },
  'sme-labour-saving': { applicants: 2400, awardShare: 0.55, unitLabel: '株式会社', employeesMedian: 20, productivityLevel: 560, productivitySpread: 100, wageLevel: 380, effect: constant(30, 8), attritionShare: 0, seed: 20240401 },
  'post5g-quantum': { applicants: 80, awardShare: 0.5, unitLabel: 'プロジェクト', employeesMedian: 200, productivityLevel: 1400, productivitySpread: 250, wageLevel: 680, effect: constant(90, 15), attritionShare: 0, seed: 108 },
  'sme-growth-acceleration': { applicants: 1500, awardShare: 0.45, unitLabel: '株式会社', employeesMedian: 60, productivityLevel: 650, productivitySpread: 120, wageLevel: 420, effect: { kind: 'growing', labourProductivity: 40, averageWage: 10, employees: 6 }, attritionShare: 0.04, seed: 1109 },
  'ev-charging-infrastructure': { applicants: 3000, awardShare: 0.6, unitLabel: '充電拠点', employeesMedian: 8, productivityLevel: 500, productivitySpread: 90, wageLevel: 360, effect: constant(25, 5), attritionShare: 0.08, seed: 110 },
  'critical-minerals': { applicants: 12, awardShare: 0.5, unitLabel: 'プロジェクト', employeesMedian: 400, productivityLevel: 2000, productivitySpread: 400, wageLevel: 720, effect: constant(150, 20), attritionShare: 0, seed: 111 },
};
