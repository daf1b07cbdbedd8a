/**
 * The sheets' free text (goals, qualitative results, names) on one line, for a terminal (`review-sheets show`), a
 * catalogue draft's field or a workbook note: every run of white space, line breaks included, becomes one space, and
 * none is left at either end.
 */
export function oneLine(text: string): string {
  return text.replace(/\s+/gu, ' ').trim();
}

/**
 * The text's first `characters` characters on one line, with `more` after them where it was longer. Characters are
 * counted by code point, so none outside the Basic Multilingual Plane is cut in two.
 */
export function openingOf(text: string, characters: number, more = '…'): string {
  const flat = oneLine(text);
  const all = [...flat];
  return all.length <= characters ? flat : `${all.slice(0, characters).join('')}${more}`;
}
