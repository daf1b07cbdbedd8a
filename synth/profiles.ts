/**
 * How the synthetic data of each programme is shaped: many small firms for the SME subsidies, few large
 * projects for semiconductors and minerals, sites run by operators for charging infrastructure, consortia
 * for the R&D funds; one programme with no effect at all, one whose effect grows with time since award,
 * and attrition. Each outcome measure the catalogue declares gets its level, spread, trend and effect
 * here; a measure without one is generated from its declared range with no effect. Every figure is invented.
 */

/** constant: the same effect every year after award; zero: none; growing: base·(1 + e)/2 in year e after award. */
export type EffectKind = 'constant' | 'zero' | 'growing';

export interface MeasureProfile {
  /** Mean of a comparison unit in the panel's first year. */
  readonly level: number;
  /** Spread of the units' permanent differences. */
  readonly unitSpread: number;
  /** Change per year, common to all units. */
  readonly trend: number;
  /** Spread of each unit's yearly noise. */
  readonly noise: number;
  /** Effect of the award in each year after it (the base for a growing effect). */
  readonly effect: number;
}

export interface SyntheticProfile {
  readonly applicants: number;
  readonly awardShare: number;
  readonly unitLabel: string;
  readonly employeesMedian: number;
  readonly effectKind: EffectKind;
  readonly measures: Readonly<Record<string, MeasureProfile>>;
  /** Share of units that stop reporting part-way through the panel. */
  readonly attritionShare: number;
  /** Average units per applicant firm: above 1, firms lead several projects or run several sites. */
  readonly unitsPerFirm: number;
  /** Consortium members per project besides the lead (at most). */
  readonly consortiumMembers: number;
  readonly seed: number;
}

const measure = (level: number, unitSpread: number, trend: number, noise: number, effect: number): MeasureProfile => ({ level, unitSpread, trend, noise, effect });

/** The firm outcomes of the capex subsidies: value added per employee, wages, headcount. */
const firmMeasures = (productivity: number, spread: number, wage: number, employees: number, effects: { productivity: number; wage: number; employees: number }) => ({
  labour_productivity: measure(productivity, spread, 12, 0.35 * spread, effects.productivity),
  average_wage: measure(wage, 0.3 * spread, 6, 12, effects.wage),
  employees: measure(employees, 0.5 * employees, 0.3, 0.05 * employees + 1, effects.employees),
});

const firm = { unitsPerFirm: 1, consortiumMembers: 0 } as const;

export const SYNTHETIC_PROFILES: Readonly<Record<string, SyntheticProfile>> = {
  'semiconductor-fund': {
    applicants: 60, awardShare: 0.5, unitLabel: 'プロジェクト', employeesMedian: 800, effectKind: 'constant', attritionShare: 0, unitsPerFirm: 1.5, consortiumMembers: 2, seed: 1101,
    measures: { production_capacity: measure(6, 2, 0.3, 0.8, 4) },
  },
  'green-innovation-fund': {
    applicants: 240, awardShare: 0.5, unitLabel: 'コンソーシアム', employeesMedian: 300, effectKind: 'constant', attritionShare: 0.05, unitsPerFirm: 1.3, consortiumMembers: 4, seed: 102,
    measures: {
      milestones_met_share: measure(70, 10, 1, 8, 0),
      technologies_commercialised: measure(2, 1, 0.1, 0.8, 0.8),
      co2_reduction: measure(12, 4, 0.5, 2, 5),
    },
  },
  biomanufacturing: {
    applicants: 120, awardShare: 0.4, unitLabel: 'プロジェクト', employeesMedian: 150, effectKind: 'constant', attritionShare: 0, unitsPerFirm: 1.2, consortiumMembers: 2, seed: 103,
    measures: { pilot_plants: measure(3, 1, 0.1, 0.7, 1), bio_products_launched: measure(4, 1.5, 0.2, 0.8, 1.5) },
  },
  'space-strategy-fund': {
    applicants: 200, awardShare: 0.45, unitLabel: 'プロジェクト', employeesMedian: 60, effectKind: 'constant', attritionShare: 0.05, unitsPerFirm: 1.2, consortiumMembers: 1, seed: 104,
    measures: { missions_demonstrated: measure(2, 1, 0.1, 0.6, 0.7), startup_revenue: measure(15, 5, 0.8, 2, 4) },
  },
  'global-south-co-creation': {
    applicants: 400, awardShare: 0.5, unitLabel: '事業', employeesMedian: 120, effectKind: 'zero', attritionShare: 0.05, unitsPerFirm: 1.3, consortiumMembers: 1, seed: 105,
    measures: {
      partner_projects_started: measure(2, 1, 0.05, 0.6, 0),
      exports_to_partners: measure(20, 6, 0.6, 2.5, 0),
      supply_diversification: measure(0.45, 0.1, 0.005, 0.03, 0),
    },
  },
  'large-scale-growth-investment': {
    applicants: 900, awardShare: 0.4, unitLabel: '株式会社', employeesMedian: 150, effectKind: 'constant', attritionShare: 0.03, ...firm, seed: 106,
    measures: firmMeasures(750, 150, 470, 150, { productivity: 60, wage: 15, employees: 0 }),
  },
  'sme-labour-saving': {
    applicants: 2400, awardShare: 0.55, unitLabel: '株式会社', employeesMedian: 20, effectKind: 'constant', attritionShare: 0.06, ...firm, seed: 20240401,
    measures: firmMeasures(560, 100, 380, 20, { productivity: 30, wage: 8, employees: 0 }),
  },
  'post5g-quantum': {
    applicants: 80, awardShare: 0.5, unitLabel: 'プロジェクト', employeesMedian: 200, effectKind: 'constant', attritionShare: 0, unitsPerFirm: 1.3, consortiumMembers: 2, seed: 108,
    measures: { qubits_demonstrated: measure(40, 15, 4, 5, 20), quantum_services_launched: measure(2, 1, 0.1, 0.6, 0.5) },
  },
  'sme-growth-acceleration': {
    applicants: 1500, awardShare: 0.45, unitLabel: '株式会社', employeesMedian: 60, effectKind: 'growing', attritionShare: 0.04, ...firm, seed: 1109,
    measures: { ...firmMeasures(650, 120, 420, 60, { productivity: 40, wage: 10, employees: 6 }), sales: measure(60, 25, 2, 5, 12) },
  },
  'ev-charging-infrastructure': {
    applicants: 3000, awardShare: 0.6, unitLabel: '充電拠点', employeesMedian: 8, effectKind: 'constant', attritionShare: 0.08, unitsPerFirm: 6, consortiumMembers: 0, seed: 110,
    measures: { chargers_in_service: measure(4, 1.5, 0.2, 0.7, 2), charging_sessions: measure(1.5, 0.5, 0.1, 0.25, 0.8) },
  },
  'critical-minerals': {
    applicants: 48, awardShare: 0.3, unitLabel: 'プロジェクト', employeesMedian: 400, effectKind: 'constant', attritionShare: 0, unitsPerFirm: 1, consortiumMembers: 2, seed: 111,
    measures: { secured_supply: measure(30, 10, 1, 3, 12) },
  },
};
