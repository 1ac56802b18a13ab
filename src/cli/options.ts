// Parsers for CLI option values: each throws a one-line error naming the flag.
import { InvalidArgumentError } from "commander";

export function positiveInt(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0)
      throw new InvalidArgumentError(`${flag} needs a positive integer, got "${value}"`);
    return n;
  };
}

export function nonNegativeInt(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0)
      throw new InvalidArgumentError(`${flag} needs an integer ≥ 0, got "${value}"`);
    return n;
  };
}

export function shape(flag: string) {
  return (value: string): number[] => {
    const dims = value.split(/[x,]/).map(Number);
    if (dims.length !== 3 || dims.some((d) => !Number.isInteger(d) || d <= 0)) {
      throw new InvalidArgumentError(`${flag} needs C,H,W (e.g. 3,32,32), got "${value}"`);
    }
    return dims;
  };
}
