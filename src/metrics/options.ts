// Metric options as valibot schemas: every metric declares each option's type, range and default in
// one strict object schema, its TypeScript type is inferred from it, and a given value is checked
// once, before any work, with one error that names the metric, the key, the bad value and what is
// allowed (`naswot.batchSize=-3: must be an integer ≥ 1`). An unknown key names the known ones.
import * as v from "valibot";
import { INIT_SCHEMES, type InitScheme } from "../ir/init.js";

/** A metric's options: a strict object whose every entry is `option(schema, default)`. */
export type OptionsSchema = v.StrictObjectSchema<v.ObjectEntries, undefined>;

/** The complete options a schema describes (every key present, defaults filled in). */
export type OptionsOf<S extends OptionsSchema> = v.InferOutput<S>;

/** A bad or unknown option value; `message` is the whole one-line error. */
export class MetricOptionError extends Error {
  override readonly name = "MetricOptionError";
  constructor(
    readonly metric: string,
    readonly key: string,
    /** What is allowed, e.g. "must be an integer ≥ 1", or the known keys for an unknown one. */
    readonly allowed: string,
    message: string,
  ) {
    super(message);
  }
}

// One message for every check of a value, so the error says what is allowed whichever check failed.
const must = (what: string) => `must be ${what}`;

/** An integer ≥ min (and ≤ max when given). */
export function integer(min: number, max?: number) {
  const m = must(max === undefined ? `an integer ≥ ${min}` : `an integer in [${min}, ${max}]`);
  return v.pipe(
    v.number(m),
    v.integer(m),
    v.minValue(min, m),
    v.maxValue(max ?? Number.POSITIVE_INFINITY, m),
  );
}

export function finiteNumber() {
  const m = must("a finite number");
  return v.pipe(v.number(m), v.finite(m));
}

/** A finite number > 0. */
export function positive() {
  const m = must("a number > 0");
  return v.pipe(v.number(m), v.finite(m), v.gtValue(0, m));
}

/** A finite number in [min, max]. */
export function between(min: number, max: number) {
  const m = must(`a number in [${min}, ${max}]`);
  return v.pipe(v.number(m), v.finite(m), v.minValue(min, m), v.maxValue(max, m));
}

/** One of the listed words. */
export function oneOf<const T extends readonly string[]>(choices: T) {
  return v.picklist(choices, must(`one of ${choices.join(", ")}`));
}

/** A weight initialisation scheme (ir/init.ts). */
export function initScheme() {
  return v.picklist(INIT_SCHEMES as readonly InitScheme[], must(`one of ${INIT_SCHEMES.join(", ")}`));
}

export function flag() {
  return v.boolean(must("true or false"));
}

/** A non-empty list of numbers > 0 (e.g. the ε grid of a ridge), written `1e-7,1e-6,…` on the CLI. */
export function positiveList() {
  const m = must("a non-empty comma-separated list of numbers > 0");
  return v.pipe(v.array(v.pipe(v.number(m), v.finite(m), v.gtValue(0, m)), m), v.minLength(1, m));
}

/** An option: its schema and its default. */
export const option = <const S extends v.GenericSchema, const D extends v.InferInput<S>>(
  schema: S,
  fallback: D,
) => v.optional(schema, fallback);

export const optionKeys = (schema: OptionsSchema): string[] => Object.keys(schema.entries);

/** Every option at its default. */
export function defaultsOf<S extends OptionsSchema>(schema: S): OptionsOf<S> {
  return v.parse(schema, {});
}

const show = (value: unknown): string =>
  Array.isArray(value)
    ? value.join(",")
    : typeof value === "string"
      ? value
      : (JSON.stringify(value) ?? "undefined");

function unknownKey(metric: string, schema: OptionsSchema, key: string, shown: string): MetricOptionError {
  const known = optionKeys(schema);
  const allowed = `options: ${known.join(", ") || "none"}`;
  return new MetricOptionError(metric, key, allowed, `${shown}: ${metric} has no option ${key} (${allowed})`);
}

/**
 * `given` checked against the schema and completed with defaults. Throws a MetricOptionError for the
 * first unknown key or bad value; `shown` words the item in the message (default `metric.key=value`).
 */
export function resolveOptions<S extends OptionsSchema>(
  metric: string,
  schema: S,
  given: Readonly<Record<string, unknown>> = {},
  shown: (key: string, value: unknown) => string = (key, value) => `${metric}.${key}=${show(value)}`,
): OptionsOf<S> {
  for (const key of Object.keys(given))
    if (!(key in schema.entries)) throw unknownKey(metric, schema, key, shown(key, given[key]));
  const defined = Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined));
  const result = v.safeParse(schema, defined);
  if (result.success) return result.output;
  const issue = result.issues[0];
  const key = String(issue.path?.[0]?.key ?? "?");
  throw new MetricOptionError(metric, key, issue.message, `${shown(key, defined[key])}: ${issue.message}`);
}

/** The base schema under `optional` and `pipe`: what kind of value a key takes. */
function baseType(schema: v.GenericSchema): string {
  const s = schema as v.GenericSchema & { wrapped?: v.GenericSchema };
  return s.type === "optional" && s.wrapped ? baseType(s.wrapped) : s.type;
}

/**
 * A command-line text read as the key's type (numbers, true/false, comma-separated number lists;
 * anything else stays text). Text that does not read as that type is returned as is, so that the
 * schema rejects it with its own message. Unknown keys throw a MetricOptionError.
 */
export function readOptionText(
  metric: string,
  schema: OptionsSchema,
  key: string,
  raw: string,
  shown: string,
): unknown {
  const entry = schema.entries[key];
  if (!entry) throw unknownKey(metric, schema, key, shown);
  switch (baseType(entry)) {
    case "number": {
      const n = Number(raw);
      return raw.trim() === "" || Number.isNaN(n) ? raw : n;
    }
    case "boolean":
      return raw === "true" ? true : raw === "false" ? false : raw;
    case "array": {
      const items = raw.split(",").map((s) => Number(s.trim()));
      return items.some(Number.isNaN) ? raw : items;
    }
    default:
      return raw;
  }
}
