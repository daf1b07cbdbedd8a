/**
 * A catalogue draft (ebpm programmes draft-from-review-sheet) marks what its source cannot know with strings that
 * start "TO COMPLETE: " and say what to write there. Validation reports each one by its path and refuses the
 * file until none is left, before the schema's own checks (whose messages would only say "expected a number").
 */
export const DRAFT_PLACEHOLDER = 'TO COMPLETE: ';

export function placeholder(what: string): string {
  return `${DRAFT_PLACEHOLDER}${what}`;
}

export interface DraftPlaceholder {
  /** Dotted path in the file, as catalogue problems name fields (logicModel.impact.0.target). */
  readonly field: string;
  /** What to complete, from the placeholder's text. */
  readonly what: string;
}

export function draftPlaceholders(json: unknown, path: readonly (string | number)[] = []): DraftPlaceholder[] {
  if (typeof json === 'string') return json.startsWith(DRAFT_PLACEHOLDER) ? [{ field: path.join('.') || '(file)', what: json.slice(DRAFT_PLACEHOLDER.length) }] : [];
  if (Array.isArray(json)) return json.flatMap((item, index) => draftPlaceholders(item, [...path, index]));
  if (json !== null && typeof json === 'object') return Object.entries(json).flatMap(([key, value]) => draftPlaceholders(value, [...path, key]));
  return [];
}
