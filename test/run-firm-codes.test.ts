import { describe, expect, it } from 'vitest';
import { codeRunFirms, codesInOrderMet } from '../analysis/run-firm-codes.js';

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

  it('gives the same codes from the read\'s indices of the firms as from their 法人番号, with members and without', () => {
    const firms = ['8', '9', '8', '7', '9', '6'];
    // Indices as a table of ids gives them, shared with units' ids: any whole numbers, the same for the same id.
    const index: Record<string, number> = { '8': 40, '9': 3, '7': 0, '6': 41 };
    const panel = { applications: firms.map((corporateNumber) => ({ corporateNumber })), units: ['U1', 'U2'], applicationFirmIds: Int32Array.from(firms, (firm) => index[firm]) };
    const byNumber = codeRunFirms({ applications: panel.applications, units: panel.units }, new Map());
    expect(Array.from(codeRunFirms(panel, new Map()).ofApplication)).toEqual(Array.from(byNumber.ofApplication));
    expect(Array.from(byNumber.ofApplication)).toEqual([0, 1, 0, 2, 1, 3]);
    const members = new Map([['U2', ['5', '8']]]);
    const withMembers = codeRunFirms(panel, members);
    expect(Array.from(withMembers.ofApplication)).toEqual([0, 1, 0, 2, 1, 3]);
    expect([...withMembers.membersOfUnit]).toEqual([[1, [4, 0]]]);
  });

  it('refuses firm ids that do not match the applications one to one', () => {
    const applications = [{ corporateNumber: '8' }, { corporateNumber: '9' }];
    expect(() => codeRunFirms({ applications, units: ['8', '9'], applicationFirmIds: Int32Array.from([0]) }, new Map())).toThrow(/1 firm ids for 2 applications/);
  });

  it('codes whole numbers in the order first met, and refuses a negative one', () => {
    expect(Array.from(codesInOrderMet(Int32Array.from([5, 5, 0, 9, 0])))).toEqual([0, 0, 1, 2, 1]);
    expect(Array.from(codesInOrderMet(new Int32Array(0)))).toEqual([]);
    expect(() => codesInOrderMet(Int32Array.from([1, -1]))).toThrow(/at least 0, not -1 \(row 1\)/);
  });
});
