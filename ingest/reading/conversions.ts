/** Unit conversions applied while reading a file, counted per column for the file's account. */
import type { CellRead, UnitConversion } from './excel-cells.js';

export class ConversionTally {
  private readonly counts = new Map<string, UnitConversion>();

  add(conversion: CellRead['conversion']): void {
    if (!conversion) return;
    const key = `${conversion.field}\u0000${conversion.shown}\u0000${conversion.source}`;
    const seen = this.counts.get(key);
    this.counts.set(key, { ...conversion, cells: (seen?.cells ?? 0) + 1 });
  }

  list(): UnitConversion[] {
    return [...this.counts.values()];
  }
}

export function describeConversion(conversion: Omit<UnitConversion, 'source'> & { readonly source: string }): string {
  const factor = conversion.exponent >= 0 ? `× ${10 ** conversion.exponent}` : `÷ ${10 ** -conversion.exponent}`;
  return `${conversion.field}: ${conversion.cells} values shown in ${conversion.shown} (by the ${conversion.source} of "${conversion.column}") stored in ${conversion.declared} (${factor})`;
}
