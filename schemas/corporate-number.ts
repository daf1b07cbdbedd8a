/**
 * 法人番号 (corporate number): 13 digits, the first a check digit over the 12-digit base number.
 * check = 9 − (Σ_{n=1..12} P_n·Q_n mod 9), P_n the n-th digit counted from the right of the base,
 * Q_n = 1 for odd n and 2 for even n (National Tax Agency specification).
 */
export function corporateNumberCheckDigit(baseNumber: string): number {
  if (!/^\d{12}$/.test(baseNumber)) throw new RangeError(`base number must be 12 digits, got "${baseNumber}"`);
  let sum = 0;
  for (let n = 1; n <= 12; n++) {
    const digit = baseNumber.charCodeAt(12 - n) - 48;
    sum += digit * (n % 2 === 1 ? 1 : 2);
  }
  return 9 - (sum % 9);
}

export type CorporateNumberProblem =
  | { readonly kind: 'format'; readonly message: string }
  | { readonly kind: 'check_digit'; readonly message: string };

/** Returns null when the number is valid, else what is wrong with it. */
export function corporateNumberProblem(value: string): CorporateNumberProblem | null {
  if (!/^\d{13}$/.test(value)) {
    return { kind: 'format', message: `"${value}" is not 13 digits; write the 法人番号 without hyphens or spaces` };
  }
  const expected = corporateNumberCheckDigit(value.slice(1));
  const actual = value.charCodeAt(0) - 48;
  if (expected !== actual) {
    return {
      kind: 'check_digit',
      message: `check digit ${actual} of ${value} does not match its base number (expected ${expected}); the number was probably mistyped`,
    };
  }
  return null;
}

export function withCheckDigit(baseNumber: string): string {
  return `${corporateNumberCheckDigit(baseNumber)}${baseNumber}`;
}
