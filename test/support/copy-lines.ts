/** COPY text lines split back into their fields (\N as null), without the leading file digest. */
export function copyLineFields(lines: Iterable<string>): (string | null)[][] {
  return [...lines].map((line) => line.replace(/\n$/, '').split('\t').slice(1).map((field) => (field === '\\N' ? null : field)));
}
