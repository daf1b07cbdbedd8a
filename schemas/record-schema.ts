/**
 * Row schemas written as one zod transform over the whole record instead of a z.object with a transform per field
 * (csv-fields.ts's textField): the same values, and the same issues (path, message, reason) in the same order. Every
 * row of a national applicant or outcome file passes through its schema; the per-field machinery took about a sixth
 * of an outcome file's parse (bench/README.md, section 2026-12-05 (23:40 UTC)).
 */
import { z } from 'zod';
import { normaliseText } from '../ingest/validating/normalise.js';
import type { Reading } from './csv-fields.js';

/** A field whose column every file of its kind has (validate-records.ts refuses a file without it). */
export interface RequiredField<T> {
  readonly name: string;
  readonly parse: Reading<T>;
  readonly optional?: false;
}

/** A field whose column a file may leave out (a z.object's `.optional()`): read as undefined then. */
export interface OptionalField<T> {
  readonly name: string;
  readonly parse: Reading<T>;
  readonly optional: true;
}

export type FieldReader<T> = RequiredField<T> | OptionalField<T>;

/** Where a row schema's transform reports a field's problem: zod's context. */
export interface IssueSink {
  addIssue(issue: { code: 'custom'; message: string; path: string[]; params?: { reason: string } }): void;
}

/** What readField gives for a field with a problem, already reported. */
export const FIELD_FAILED: unique symbol = Symbol('field failed');

/**
 * One field of a record, read as a z.object of textFields reads it: its normalised text through its reading, and the
 * value, or its problem reported at the field's path with its reason and FIELD_FAILED given.
 */
export function readField<T>(raw: Readonly<Record<string, string>>, reader: RequiredField<T>, issues: IssueSink): T | typeof FIELD_FAILED;
export function readField<T>(raw: Readonly<Record<string, string>>, reader: FieldReader<T>, issues: IssueSink): T | undefined | typeof FIELD_FAILED;
export function readField<T>(raw: Readonly<Record<string, string>>, reader: FieldReader<T>, issues: IssueSink): T | undefined | typeof FIELD_FAILED {
  // Own columns only: a record's columns are the file's (validate-records.ts), never what every object inherits.
  const text = Object.hasOwn(raw, reader.name) ? raw[reader.name] : undefined;
  if (text === undefined) {
    if (reader.optional) return undefined;
    // In zod's words for a z.object's missing field (validate-records.ts refuses a file without a required column first).
    issues.addIssue({ code: 'custom', message: 'Invalid input: expected string, received undefined', path: [reader.name] });
    return FIELD_FAILED;
  }
  const result = reader.parse(normaliseText(text));
  if (result.ok) return result.value;
  issues.addIssue({ code: 'custom', message: result.message, path: [reader.name], params: result.reason ? { reason: result.reason } : undefined });
  return FIELD_FAILED;
}

/**
 * A row schema whose transform `read` reads the record's fields with readField, in the order a z.object of them would
 * report their problems. The record's columns are the file's, named by validate-records.ts, so zod checks here only
 * that it is given an object.
 */
export function recordSchema<Row>(read: (raw: Readonly<Record<string, string>>, issues: IssueSink) => Row) {
  return z.custom<Readonly<Record<string, string>>>((value) => typeof value === 'object' && value !== null).transform((raw, context) => read(raw, context));
}
