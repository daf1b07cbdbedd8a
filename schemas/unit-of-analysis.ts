/**
 * What a programme counts and follows: firms (by 法人番号), projects (a project id, led by one firm with
 * consortium members) or sites (a site id, run by an operator firm). The unit's id is the column that keys
 * the applicant and outcome files.
 */
export const UNITS_OF_ANALYSIS = ['firm', 'project', 'site'] as const;
export type UnitOfAnalysis = (typeof UNITS_OF_ANALYSIS)[number];

export const UNIT_KEY_COLUMNS = { firm: 'corporate_number', project: 'project_id', site: 'site_id' } as const satisfies Record<UnitOfAnalysis, string>;

/** Project and site ids as application systems issue them: letters, digits and - _ . (at most 64). */
export const UNIT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
