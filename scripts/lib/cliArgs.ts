import { InputError } from '../../models/input/errors.ts';

/**
 * Whole numbers from the command line, written as plain decimal digits only: `''`, `' '`, `0x10`,
 * `1e3`, `+5` and `1.0` are refused rather than read the way `Number()` would read them.
 */
export function parseWholeNumber(flag: string, text: string | undefined, min: number, max: number): number {
  if (text === undefined || !/^\d+$/.test(text)) throw new InputError(`${flag}: expected a whole number written in decimal digits (${min}…${max}), got ${JSON.stringify(text ?? null)}`);
  const n = Number(text);
  if (n < min || n > max) throw new InputError(`${flag}: expected a whole number from ${min} to ${max}, got ${text}`);
  return n;
}

/** A scenario seed: 0 … 2³² − 1, as the schema's `seed`. */
export function parseSeed(text: string | undefined): number | undefined {
  return text === undefined ? undefined : parseWholeNumber('--seed', text, 0, 4294967295);
}
