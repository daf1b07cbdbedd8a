import { describe, expect, it } from 'vitest';
import { codeRunFirms } from '../analysis/run-firm-codes.js';

describe('the firms behind a run\'s units, coded once', () => {
  it('codes the applications\' firms in the order first met, then each unit\'s members, placing members only under units the run holds', () => {
    const applications = [{ corporateNumber: 'A' }, { corporateNumber: 'B' }, { corporateNumber: 'A' }];
    const members = new Map<string, string[]>([
      ['P1', ['B', 'C']],
      // A project with no consenting application: its member is coded, but placed under no unit.
      ['P-not-held', ['D']],
      ['P2', ['E', 'C', 'E']],
    ]);
    const codes = codeRunFirms({ applications, units: ['P1', 'P2'] }, members);
    expect(Array.from(codes.ofApplication)).toEqual([0, 1, 0]);
    expect([...codes.membersOfUnit]).toEqual([
      [0, [1, 2]],
      [1, [4, 2, 4]],
    ]);
  });

  it('places no members when the units have none (firms and sites), whatever the applications', () => {
    const codes = codeRunFirms({ applications: [{ corporateNumber: '8' }, { corporateNumber: '9' }], units: ['8', '9'] }, new Map());
    expect(Array.from(codes.ofApplication)).toEqual([0, 1]);
    expect(codes.membersOfUnit.size).toBe(0);
  });
});
