/**
 * Characters that must not reach the database as data. PostgreSQL text cannot hold NUL at all (and jsonb
 * refuses \u0000), and no applicant or outcome field legitimately holds another control character or
 * half of a UTF-16 surrogate pair: they come from legacy exports that pad fields with NUL, from binary
 * garbage, or from JSON that escaped them. U+FFFD is what decoding leaves where bytes were not valid in the
 * file's encoding.
 */

export type CharacterProblem =
  | { readonly kind: 'invalid_bytes'; readonly fieldIndex: number; readonly codePoint: number }
  | { readonly kind: 'invalid_encoding'; readonly fieldIndex: number };

/** Tab, line feed and carriage return are text (they occur inside quoted fields); the rest of C0 and DEL are not. */
function isForbiddenControl(code: number): boolean {
  return (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) || code === 0x7f;
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;
const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff;

/**
 * The first field holding a forbidden character, or null. One pass over the characters, since every
 * record of every file goes through it (a regular expression per field cost more than the scan).
 */
export function findCharacterProblem(fields: readonly string[]): CharacterProblem | null {
  let encodingProblem: CharacterProblem | null = null;
  for (let fieldIndex = 0; fieldIndex < fields.length; fieldIndex++) {
    const field = fields[fieldIndex];
    for (let i = 0; i < field.length; i++) {
      const code = field.charCodeAt(i);
      if (code >= 0x20 && code < 0x7f) continue;
      if (isForbiddenControl(code)) return { kind: 'invalid_bytes', fieldIndex, codePoint: code };
      if (isHighSurrogate(code)) {
        if (isLowSurrogate(field.charCodeAt(i + 1))) i++;
        else return { kind: 'invalid_bytes', fieldIndex, codePoint: code };
      } else if (isLowSurrogate(code)) return { kind: 'invalid_bytes', fieldIndex, codePoint: code };
      else if (code === 0xfffd) encodingProblem ??= { kind: 'invalid_encoding', fieldIndex };
    }
  }
  return encodingProblem;
}

/** How a forbidden character is named in a rejection message. */
export function describeCodePoint(code: number): string {
  if (code === 0) return 'a NUL byte (0x00)';
  if (isHighSurrogate(code) || isLowSurrogate(code)) return `half of a UTF-16 surrogate pair (\\u${code.toString(16).padStart(4, '0')})`;
  return `the control character 0x${code.toString(16).padStart(2, '0').toUpperCase()}`;
}

/**
 * The text with every forbidden character made visible and storable: C0 controls and DEL become their
 * Unicode control pictures (NUL as ␀), lone surrogates U+FFFD. Quarantined raw text goes through this, so
 * the analyst sees where the bad byte was and the database can hold it.
 */
export function visibleText(text: string): string {
  let out: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    let replacement: string | null = null;
    if (isForbiddenControl(code)) replacement = String.fromCharCode(code === 0x7f ? 0x2421 : 0x2400 + code);
    else if (isHighSurrogate(code)) {
      if (isLowSurrogate(text.charCodeAt(i + 1))) {
        if (out !== null) out += text.slice(i, i + 2);
        i++;
        continue;
      }
      replacement = '\uFFFD';
    } else if (isLowSurrogate(code)) replacement = '\uFFFD';
    if (replacement !== null) {
      out = (out ?? text.slice(0, i)) + replacement;
    } else if (out !== null) out += text[i];
  }
  return out ?? text;
}

function visibleDeep(value: unknown): unknown {
  if (typeof value === 'string') return visibleText(value);
  if (Array.isArray(value)) return value.map(visibleDeep);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [visibleText(key), visibleDeep(inner)]));
  }
  return value;
}

/** JSON that jsonb accepts whatever bytes the file held: keys and strings pass through visibleText. */
export function storableJson(value: unknown): string {
  return JSON.stringify(visibleDeep(value));
}
