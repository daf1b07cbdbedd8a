/** RFC 4180 CSV text from rows of plain values. */
export function toCsv(columns: readonly string[], rows: readonly (readonly (string | number | boolean | null)[])[]): string {
  const lines = [columns.map(escapeCsvField).join(',')];
  for (const row of rows) lines.push(row.map((value) => escapeCsvField(value === null ? '' : String(value))).join(','));
  return `${lines.join('\n')}\n`;
}

function escapeCsvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
