/** zod (v3, for start-up time) schemas of the command-line values several commands share. */
import { z } from 'zod/v3';

export const whole = (flag: string) =>
  z
    .string()
    .regex(/^\d+$/, `${flag} must be a whole number`)
    .transform(Number);

export const signedWhole = (flag: string) =>
  z
    .string()
    .regex(/^-?\d+$/, `${flag} must be a whole number, negative for pre-award event times`)
    .transform(Number);

export const numberList = (flag: string) =>
  z
    .string()
    .transform((text) => text.split(',').map((part) => part.trim()))
    .refine((parts) => parts.length > 0 && parts.every((part) => /^\d+(\.\d+)?([eE][-+]?\d+)?$/.test(part)), {
      message: `${flag} must be a comma-separated list of non-negative numbers, e.g. 0,0.5,1`,
    })
    .transform((parts) => parts.map(Number));
