/**
 * The columns `ebpm estimate` reads from its panel file, named by its flags. estimate.ts derives them from the flags
 * before they are checked, to start the file's reading with them; estimate-panel.ts from the checked flags, to ask for
 * them. One function for both, so the reading started is the one asked for.
 */
import type { CsvColumnsRequest } from '../../panel-csv/csv-columns.js';

export interface EstimateColumnNames {
  readonly id?: string;
  readonly weights?: string;
  readonly time: string;
  readonly group: string;
  readonly outcome: string;
  readonly covariates: readonly string[];
}

/** `--covariates a, b,c` as names: commas separate, spaces around a name are not part of it, empty names are none. */
export function covariateList(list: string | undefined): string[] {
  return list ? list.split(',').map((name) => name.trim()).filter(Boolean) : [];
}

export function estimateColumnsRequest(names: EstimateColumnNames): CsvColumnsRequest {
  return {
    ...(names.id ? { [names.id]: 'id' as const } : {}),
    ...(names.weights ? { [names.weights]: 'number' as const } : {}),
    [names.time]: 'number',
    [names.group]: 'number',
    [names.outcome]: 'number',
    ...Object.fromEntries(names.covariates.map((name) => [name, 'number' as const])),
  };
}

/** The columns the flags name, as parseArgs gives them (unchecked), or undefined where a required one is not named. */
export function expectedEstimateColumns(values: Readonly<Record<string, string | boolean | undefined>>): CsvColumnsRequest | undefined {
  const text = (name: string) => (typeof values[name] === 'string' && values[name] !== '' ? (values[name] as string) : undefined);
  const time = text('time');
  const group = text('group');
  const outcome = text('outcome');
  if (!time || !group || !outcome) return undefined;
  const covariates = covariateList(typeof values.covariates === 'string' ? values.covariates : undefined);
  return estimateColumnsRequest({ id: text('id'), weights: text('weights'), time, group, outcome, covariates });
}
