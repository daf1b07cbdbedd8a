/**
 * `ebpm estimate`: staggered difference-in-differences from any panel CSV. This module is the command's entry
 * and loads almost nothing: it reads the flags, starts reading the file with the columns they name (a large file's
 * rows are shared with a worker thread on the other core, which starts on them as soon as it has read its half of the
 * bytes), and only then loads the flag checks and the estimators (estimate-panel.ts, about 40 ms of module loading),
 * so the worker's start-up and first chunks overlap that loading instead of following it. Flags that fail their
 * checks stop the command once the first half of a large file's bytes has been read, and the reading is closed.
 */
import { parseArgs } from 'node:util';
import { startReadingCsvColumns } from '../../panel-csv/parallel-reading.js';
import { expectedEstimateColumns } from './estimate-columns.js';

/**
 * `--unbalanced` takes an optional value, which parseArgs cannot express: give it one explicitly. Event
 * times are negative before the award, and parseArgs reads `--min-e -4` as two flags: join them.
 */
function withExplicitValues(args: readonly string[]): string[] {
  const result: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if ((args[i] === '--min-e' || args[i] === '--max-e') && /^-\d+$/.test(args[i + 1] ?? '')) result.push(`${args[i]}=${args[++i]}`);
    else if (args[i] !== '--unbalanced') result.push(args[i]);
    else if (args[i + 1] !== undefined && !args[i + 1].startsWith('-')) result.push(`--unbalanced=${args[++i]}`);
    else result.push('--unbalanced=did');
  }
  return result;
}

export async function estimateCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args: withExplicitValues(args),
    options: {
      data: { type: 'string' },
      outcome: { type: 'string' },
      time: { type: 'string' },
      id: { type: 'string' },
      group: { type: 'string' },
      control: { type: 'string' },
      covariates: { type: 'string' },
      method: { type: 'string' },
      anticipation: { type: 'string' },
      'base-period': { type: 'string' },
      bootstrap: { type: 'string' },
      seed: { type: 'string' },
      unbalanced: { type: 'string' },
      weights: { type: 'string' },
      'repeated-cross-sections': { type: 'boolean' },
      twfe: { type: 'boolean' },
      sensitivity: { type: 'boolean' },
      'min-e': { type: 'string' },
      'max-e': { type: 'string' },
      mbar: { type: 'string' },
      m: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const reading = typeof values.data === 'string' && values.data !== '' ? startReadingCsvColumns(values.data, expectedEstimateColumns(values)) : null;
  try {
    const { estimatePanel } = await import('./estimate-panel.js');
    await estimatePanel(values, reading);
  } finally {
    await reading?.close();
  }
}
