// A small language for declaring search spaces, in the spirit of PyGlove: an architecture is a
// plain JSON value, and its declaration says where the choices are. Everything a search needs is
// derived from the declaration here — seeded sampling, one-edit neighbours, enumeration and size,
// a categorical code for vector algorithms, and checked parsing with errors naming the fault.
import type { Rng } from "../util/random.js";
import { SpaceError } from "./space.js";

export type Literal = string | number | boolean;
export type Value = Literal | readonly Value[] | { readonly [key: string]: Value };

/** A decision point or a fixed part of an architecture. */
export type Decl = Fixed | OneOf | ManyOf | SomeOf | IntRange | FloatRange | Struct | List | Tuple;

export interface Fixed {
  readonly kind: "fixed";
  readonly value: Literal;
}
/** One of the candidates; a struct candidate is a conditional part (its choices exist only when chosen). */
export interface OneOf {
  readonly kind: "oneOf";
  readonly candidates: readonly (Literal | Struct)[];
}
/** `count` picks from the candidates; `distinct` forbids repeats, `sorted` makes order irrelevant. */
export interface ManyOf {
  readonly kind: "manyOf";
  readonly count: number;
  readonly candidates: readonly Literal[];
  readonly distinct: boolean;
  readonly sorted: boolean;
}
/** A subset of the candidates with between `min` and `max` members, kept in candidate order. */
export interface SomeOf {
  readonly kind: "someOf";
  readonly candidates: readonly Literal[];
  readonly min: number;
  readonly max: number;
}
export interface IntRange {
  readonly kind: "int";
  readonly min: number;
  readonly max: number;
}
/** Uniform on [min, max]; `bins` discretise it for neighbours and the categorical code. */
export interface FloatRange {
  readonly kind: "float";
  readonly min: number;
  readonly max: number;
  readonly bins: number;
}
export interface Struct {
  readonly kind: "struct";
  readonly fields: Readonly<Record<string, Decl>>;
}
export interface List {
  readonly kind: "list";
  readonly length: number;
  readonly item: Decl;
}
/** A fixed-length list whose positions are declared one by one (e.g. no skip choice on layer 1). */
export interface Tuple {
  readonly kind: "tuple";
  readonly items: readonly Decl[];
}

// ---- constructors -------------------------------------------------------------------------------

const need = (ok: boolean, why: string) => {
  if (!ok) throw new SpaceError(why);
};

export function fixed(value: Literal): Fixed {
  return { kind: "fixed", value };
}

export function oneOf(
  candidates: readonly (Literal | Struct | Readonly<Record<string, Decl | Literal>>)[],
): OneOf {
  need(candidates.length > 0, "oneOf needs at least one candidate");
  const cs = candidates.map((c) => (isLiteral(c) ? c : isStruct(c) ? c : struct(c)));
  need(new Set(cs.filter(isLiteral)).size === cs.filter(isLiteral).length, "oneOf candidates repeat a value");
  return { kind: "oneOf", candidates: cs };
}

export function manyOf(
  count: number,
  candidates: readonly Literal[],
  o: { distinct?: boolean; sorted?: boolean } = {},
): ManyOf {
  const distinct = o.distinct ?? true;
  need(Number.isInteger(count) && count >= 1, `manyOf count must be an integer ≥ 1, got ${count}`);
  need(candidates.length > 0, "manyOf needs candidates");
  need(!distinct || count <= candidates.length, `manyOf picks ${count} distinct of ${candidates.length}`);
  return { kind: "manyOf", count, candidates, distinct, sorted: o.sorted ?? false };
}

export function someOf(candidates: readonly Literal[], o: { min?: number; max?: number } = {}): SomeOf {
  const min = o.min ?? 0;
  const max = o.max ?? candidates.length;
  need(
    0 <= min && min <= max && max <= candidates.length,
    `someOf bounds ${min}..${max} of ${candidates.length}`,
  );
  return { kind: "someOf", candidates, min, max };
}

export function intRange(min: number, max: number): IntRange {
  need(Number.isInteger(min) && Number.isInteger(max) && min <= max, `int range ${min}..${max} is empty`);
  return { kind: "int", min, max };
}

export function floatRange(min: number, max: number, o: { bins?: number } = {}): FloatRange {
  need(Number.isFinite(min) && Number.isFinite(max) && min < max, `float range ${min}..${max} is empty`);
  const bins = o.bins ?? 16;
  need(Number.isInteger(bins) && bins >= 2, `float range bins must be an integer ≥ 2, got ${bins}`);
  return { kind: "float", min, max, bins };
}

/** Fields in declaration order; a literal field is fixed. */
export function struct(fields: Readonly<Record<string, Decl | Literal>>): Struct {
  return {
    kind: "struct",
    fields: Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, isLiteral(v) ? fixed(v) : v])),
  };
}

export function list(length: number, item: Decl): List {
  need(Number.isInteger(length) && length >= 0, `list length must be an integer ≥ 0, got ${length}`);
  return { kind: "list", length, item };
}

function isLiteral(x: unknown): x is Literal {
  return typeof x === "string" || typeof x === "number" || typeof x === "boolean";
}
function isStruct(x: unknown): x is Struct {
  return typeof x === "object" && x !== null && (x as { kind?: unknown }).kind === "struct";
}

export function tuple(items: readonly (Decl | Literal)[]): Tuple {
  return { kind: "tuple", items: items.map((d) => (isLiteral(d) ? fixed(d) : d)) };
}

// ---- checking ------------------------------------------------------------------------------------

const show = (v: unknown) => JSON.stringify(v);
const at = (path: string) => (path === "" ? "the architecture" : path);

/** Checks `value` against `decl` and returns it with fixed fields filled in; throws naming the path. */
export function check(decl: Decl, value: unknown, path = ""): Value {
  const fail = (why: string): never => {
    throw new SpaceError(`${at(path)}: ${why}`);
  };
  switch (decl.kind) {
    case "fixed":
      if (value !== undefined && value !== decl.value)
        fail(`must be ${show(decl.value)}, got ${show(value)}`);
      return decl.value;
    case "oneOf": {
      if (isLiteral(value)) {
        if (decl.candidates.includes(value)) return value;
      } else {
        for (const c of decl.candidates) {
          if (!isStruct(c)) continue;
          try {
            return check(c, value, path);
          } catch {
            // not this candidate
          }
        }
        // When the value's fixed fields select one candidate (a discriminator such as
        // {"family":"resnet"}), that candidate's fault is the one to name.
        const selected = decl.candidates.filter(
          (c): c is Struct => isStruct(c) && matchesFixedFields(c, value),
        );
        if (selected.length === 1) check(selected[0]!, value, path);
      }
      return fail(`${show(value)} is not one of ${decl.candidates.map(describeCandidate).join(", ")}`);
    }
    case "manyOf":
    case "someOf": {
      if (!Array.isArray(value)) return fail(`must be a list, got ${show(value)}`);
      for (const [i, v] of value.entries())
        if (!isLiteral(v) || !decl.candidates.includes(v))
          fail(`entry ${i} ${show(v)} is not one of ${decl.candidates.map((c) => show(c)).join(", ")}`);
      const distinct = new Set(value).size === value.length;
      if (decl.kind === "manyOf") {
        if (value.length !== decl.count) fail(`needs ${decl.count} entries, got ${value.length}`);
        if (decl.distinct && !distinct) fail(`entries must be distinct, got ${show(value)}`);
        return decl.sorted ? sortByCandidates(decl.candidates, value as Literal[]) : (value as Literal[]);
      }
      if (!distinct) fail(`entries must be distinct, got ${show(value)}`);
      if (value.length < decl.min || value.length > decl.max)
        fail(`needs ${decl.min}..${decl.max} entries, got ${value.length}`);
      return sortByCandidates(decl.candidates, value as Literal[]);
    }
    case "int":
      if (typeof value !== "number" || !Number.isInteger(value) || value < decl.min || value > decl.max)
        fail(`must be an integer in ${decl.min}..${decl.max}, got ${show(value)}`);
      return value as number;
    case "float":
      if (typeof value !== "number" || !(value >= decl.min && value <= decl.max))
        fail(`must be a number in [${decl.min}, ${decl.max}], got ${show(value)}`);
      return value as number;
    case "struct": {
      if (typeof value !== "object" || value === null || Array.isArray(value))
        return fail(`must be an object with ${Object.keys(decl.fields).join(", ")}, got ${show(value)}`);
      const given = value as Record<string, unknown>;
      const unknown = Object.keys(given).filter((k) => !(k in decl.fields));
      if (unknown.length > 0)
        fail(`unknown field ${unknown.map(show).join(", ")} (known: ${Object.keys(decl.fields).join(", ")})`);
      const out: Record<string, Value> = {};
      for (const [k, d] of Object.entries(decl.fields)) {
        if (!(k in given) && d.kind !== "fixed") fail(`missing field "${k}"`);
        out[k] = check(d, given[k], path === "" ? k : `${path}.${k}`);
      }
      return out;
    }
    case "list":
    case "tuple": {
      const n = decl.kind === "list" ? decl.length : decl.items.length;
      if (!Array.isArray(value)) return fail(`must be a list of ${n}, got ${show(value)}`);
      if (value.length !== n) fail(`needs ${n} entries, got ${value.length}`);
      return value.map((v, i) => check(itemAt(decl, i), v, `${path}[${i}]`));
    }
  }
}

/** Whether every fixed field of `c` is present in `value` with its value (and `c` has one). */
function matchesFixedFields(c: Struct, value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  const fixedFields = Object.entries(c.fields).filter(([, d]) => d.kind === "fixed");
  return (
    fixedFields.length > 0 &&
    fixedFields.every(([k, d]) => (value as Record<string, unknown>)[k] === (d as Fixed).value)
  );
}

/** The declaration of position `i` of a list or tuple. */
function itemAt(decl: List | Tuple, i: number): Decl {
  return decl.kind === "list" ? decl.item : decl.items[i]!;
}

function describeCandidate(c: Literal | Struct): string {
  return isLiteral(c) ? show(c) : `{${Object.keys(c.fields).join(", ")}}`;
}

function sortByCandidates(candidates: readonly Literal[], values: readonly Literal[]): Literal[] {
  return [...values].sort((a, b) => candidates.indexOf(a) - candidates.indexOf(b));
}

/** The struct candidate of a oneOf that `value` takes, with its index. */
function chosen(decl: OneOf, value: Value): number {
  if (isLiteral(value)) return decl.candidates.indexOf(value);
  return decl.candidates.findIndex((c) => {
    if (!isStruct(c)) return false;
    try {
      check(c, value);
      return true;
    } catch {
      return false;
    }
  });
}

// ---- sampling, first value, size, enumeration ----------------------------------------------------

/** A uniform draw at every decision point, in declaration order. */
export function sample(decl: Decl, rng: Rng): Value {
  switch (decl.kind) {
    case "fixed":
      return decl.value;
    case "oneOf": {
      const c = decl.candidates[rng.int(decl.candidates.length)]!;
      return isLiteral(c) ? c : sample(c, rng);
    }
    case "manyOf": {
      const n = decl.candidates.length;
      const picks = decl.distinct
        ? rng.permutation(n).slice(0, decl.count)
        : Array.from({ length: decl.count }, () => rng.int(n));
      const values = picks.map((i) => decl.candidates[i]!);
      return decl.sorted ? sortByCandidates(decl.candidates, values) : values;
    }
    case "someOf": {
      // Uniform over subsets within the bounds: draw masks until one fits (bounds rarely reject much).
      for (;;) {
        const picked = decl.candidates.filter(() => rng.uniform() < 0.5);
        if (picked.length >= decl.min && picked.length <= decl.max) return picked;
      }
    }
    case "int":
      return decl.min + rng.int(decl.max - decl.min + 1);
    case "float":
      return decl.min + rng.uniform() * (decl.max - decl.min);
    case "struct":
      return Object.fromEntries(Object.entries(decl.fields).map(([k, d]) => [k, sample(d, rng)]));
    case "list":
      return Array.from({ length: decl.length }, () => sample(decl.item, rng));
    case "tuple":
      return decl.items.map((d) => sample(d, rng));
  }
}

/** The first value in enumeration order (what a newly chosen conditional part starts from). */
export function firstValue(decl: Decl): Value {
  switch (decl.kind) {
    case "fixed":
      return decl.value;
    case "oneOf": {
      const c = decl.candidates[0]!;
      return isLiteral(c) ? c : firstValue(c);
    }
    case "manyOf":
      return decl.distinct
        ? decl.candidates.slice(0, decl.count)
        : Array.from({ length: decl.count }, () => decl.candidates[0]!);
    case "someOf":
      return decl.candidates.slice(0, decl.min);
    case "int":
    case "float":
      return decl.min;
    case "struct":
      return Object.fromEntries(Object.entries(decl.fields).map(([k, d]) => [k, firstValue(d)]));
    case "list":
      return Array.from({ length: decl.length }, () => firstValue(decl.item));
    case "tuple":
      return decl.items.map(firstValue);
  }
}

function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return Math.round(r);
}

/** The number of values the declaration admits; Infinity with a float range. */
export function size(decl: Decl): number {
  switch (decl.kind) {
    case "fixed":
      return 1;
    case "oneOf":
      return decl.candidates.reduce<number>((s, c) => s + (isLiteral(c) ? 1 : size(c)), 0);
    case "manyOf": {
      const n = decl.candidates.length;
      const k = decl.count;
      if (decl.distinct) return decl.sorted ? binomial(n, k) : binomial(n, k) * factorial(k);
      return decl.sorted ? binomial(n + k - 1, k) : n ** k;
    }
    case "someOf": {
      let s = 0;
      for (let j = decl.min; j <= decl.max; j++) s += binomial(decl.candidates.length, j);
      return s;
    }
    case "int":
      return decl.max - decl.min + 1;
    case "float":
      return Number.POSITIVE_INFINITY;
    case "struct":
      return Object.values(decl.fields).reduce((p, d) => p * size(d), 1);
    case "list":
      return size(decl.item) ** decl.length;
    case "tuple":
      return decl.items.reduce((p, d) => p * size(d), 1);
  }
}

function factorial(k: number): number {
  let r = 1;
  for (let i = 2; i <= k; i++) r *= i;
  return r;
}

/** Every value, the first decision point varying slowest (an odometer in declaration order). */
export function* enumerate(decl: Decl): Generator<Value> {
  switch (decl.kind) {
    case "fixed":
      yield decl.value;
      return;
    case "oneOf":
      for (const c of decl.candidates) {
        if (isLiteral(c)) yield c;
        else yield* enumerate(c);
      }
      return;
    case "manyOf":
      yield* picks(decl.candidates, decl.count, decl.distinct, decl.sorted, 0, []);
      return;
    case "someOf":
      for (let mask = 0; mask < 2 ** decl.candidates.length; mask++) {
        const s = decl.candidates.filter((_, i) => mask & (1 << (decl.candidates.length - 1 - i)));
        if (s.length >= decl.min && s.length <= decl.max) yield s;
      }
      return;
    case "int":
      for (let v = decl.min; v <= decl.max; v++) yield v;
      return;
    case "float":
      throw new SpaceError("a space with a float range cannot be enumerated");
    case "struct": {
      const entries = Object.entries(decl.fields);
      for (const values of product(entries.map(([, d]) => d))) {
        yield Object.fromEntries(entries.map(([k], i) => [k, values[i]!]));
      }
      return;
    }
    case "list":
      yield* product(Array.from({ length: decl.length }, () => decl.item));
      return;
    case "tuple":
      yield* product(decl.items);
      return;
  }
}

function* product(decls: readonly Decl[], prefix: Value[] = []): Generator<Value[]> {
  if (prefix.length === decls.length) {
    yield [...prefix];
    return;
  }
  for (const v of enumerate(decls[prefix.length]!)) {
    prefix.push(v);
    yield* product(decls, prefix);
    prefix.pop();
  }
}

function* picks(
  candidates: readonly Literal[],
  count: number,
  distinct: boolean,
  sorted: boolean,
  start: number,
  prefix: Literal[],
): Generator<Literal[]> {
  if (prefix.length === count) {
    yield [...prefix];
    return;
  }
  for (let i = sorted ? start : 0; i < candidates.length; i++) {
    const c = candidates[i]!;
    if (distinct && prefix.includes(c)) continue;
    prefix.push(c);
    yield* picks(candidates, count, distinct, sorted, distinct ? i + 1 : i, prefix);
    prefix.pop();
  }
}

// ---- neighbours -----------------------------------------------------------------------------------

/** Values one edit away: each decision point changed to each alternative (conditional parts start from their first value). */
export function edits(decl: Decl, value: Value): Value[] {
  switch (decl.kind) {
    case "fixed":
      return [];
    case "oneOf": {
      const current = chosen(decl, value);
      const out: Value[] = [];
      decl.candidates.forEach((c, i) => {
        if (i !== current) out.push(isLiteral(c) ? c : firstValue(c));
      });
      const c = decl.candidates[current];
      if (c && !isLiteral(c)) out.push(...edits(c, value));
      return out;
    }
    case "manyOf": {
      const values = value as readonly Literal[];
      const out: Value[] = [];
      const seen = new Set([JSON.stringify(values)]);
      values.forEach((_, i) => {
        for (const c of decl.candidates) {
          if (c === values[i] || (decl.distinct && values.includes(c))) continue;
          let next = values.map((v, j) => (j === i ? c : v));
          if (decl.sorted) next = sortByCandidates(decl.candidates, next);
          const key = JSON.stringify(next);
          if (!seen.has(key)) {
            seen.add(key);
            out.push(next);
          }
        }
      });
      return out;
    }
    case "someOf": {
      const values = value as readonly Literal[];
      return decl.candidates
        .map((c) =>
          values.includes(c)
            ? values.filter((v) => v !== c)
            : sortByCandidates(decl.candidates, [...values, c]),
        )
        .filter((s) => s.length >= decl.min && s.length <= decl.max);
    }
    case "int": {
      const v = value as number;
      return [v - 1, v + 1].filter((x) => x >= decl.min && x <= decl.max);
    }
    case "float": {
      const v = value as number;
      const step = (decl.max - decl.min) / decl.bins;
      return [Math.max(decl.min, v - step), Math.min(decl.max, v + step)].filter((x) => x !== v);
    }
    case "struct": {
      const obj = value as Readonly<Record<string, Value>>;
      return Object.entries(decl.fields).flatMap(([k, d]) =>
        edits(d, obj[k]!).map((e) => ({ ...obj, [k]: e })),
      );
    }
    case "list":
    case "tuple": {
      const items = value as readonly Value[];
      return items.flatMap((item, i) =>
        edits(itemAt(decl, i), item).map((e) => items.map((x, j) => (j === i ? e : x))),
      );
    }
  }
}

// ---- categorical code -------------------------------------------------------------------------------

/** Number of choices of each dimension; a conditional part's dimensions follow its selector. */
export function codeChoices(decl: Decl): number[] {
  switch (decl.kind) {
    case "fixed":
      return [];
    case "oneOf":
      return [
        decl.candidates.length,
        ...decl.candidates.flatMap((c) => (isLiteral(c) ? [] : codeChoices(c))),
      ];
    case "manyOf":
      return Array.from({ length: decl.count }, () => decl.candidates.length);
    case "someOf":
      return decl.candidates.map(() => 2);
    case "int":
      return [decl.max - decl.min + 1];
    case "float":
      return [decl.bins];
    case "struct":
      return Object.values(decl.fields).flatMap(codeChoices);
    case "list":
      return Array.from({ length: decl.length }, () => codeChoices(decl.item)).flat();
    case "tuple":
      return decl.items.flatMap(codeChoices);
  }
}

/** The code of a value; the dimensions of conditional parts not taken are 0. */
export function encode(decl: Decl, value: Value): number[] {
  switch (decl.kind) {
    case "fixed":
      return [];
    case "oneOf": {
      const current = chosen(decl, value);
      return [
        current,
        ...decl.candidates.flatMap((c, i) =>
          isLiteral(c) ? [] : i === current ? encode(c, value) : codeChoices(c).map(() => 0),
        ),
      ];
    }
    case "manyOf":
      return (value as readonly Literal[]).map((v) => decl.candidates.indexOf(v));
    case "someOf":
      return decl.candidates.map((c) => ((value as readonly Literal[]).includes(c) ? 1 : 0));
    case "int":
      return [(value as number) - decl.min];
    case "float":
      return [
        Math.min(
          decl.bins - 1,
          Math.floor((((value as number) - decl.min) / (decl.max - decl.min)) * decl.bins),
        ),
      ];
    case "struct": {
      const obj = value as Readonly<Record<string, Value>>;
      return Object.entries(decl.fields).flatMap(([k, d]) => encode(d, obj[k]!));
    }
    case "list":
    case "tuple":
      return (value as readonly Value[]).flatMap((v, i) => encode(itemAt(decl, i), v));
  }
}

/**
 * The value a code names, reading dimensions from `codes` at `cursor.at`. Floats decode to their bin
 * centre. Throws a SpaceError when the code names no value (e.g. repeated entries of a distinct manyOf).
 */
export function decodeValue(decl: Decl, codes: readonly number[], cursor = { at: 0 }): Value {
  const next = (n: number): number => {
    const c = codes[cursor.at++];
    if (c === undefined || !Number.isInteger(c) || c < 0 || c >= n)
      throw new SpaceError(`code entry ${cursor.at - 1} is ${c}, not a choice in 0..${n - 1}`);
    return c;
  };
  switch (decl.kind) {
    case "fixed":
      return decl.value;
    case "oneOf": {
      const pick = next(decl.candidates.length);
      let result: Value | undefined;
      decl.candidates.forEach((c, i) => {
        if (isLiteral(c)) {
          if (i === pick) result = c;
          return;
        }
        const v = decodeValue(c, codes, cursor); // inactive parts are read and ignored
        if (i === pick) result = v;
      });
      return result!;
    }
    case "manyOf": {
      const values = Array.from({ length: decl.count }, () => decl.candidates[next(decl.candidates.length)]!);
      if (decl.distinct && new Set(values).size !== values.length)
        throw new SpaceError(`entries must be distinct, the code names ${show(values)}`);
      return decl.sorted ? sortByCandidates(decl.candidates, values) : values;
    }
    case "someOf": {
      const values = decl.candidates.filter(() => next(2) === 1);
      if (values.length < decl.min || values.length > decl.max)
        throw new SpaceError(`needs ${decl.min}..${decl.max} entries, the code names ${values.length}`);
      return values;
    }
    case "int":
      return decl.min + next(decl.max - decl.min + 1);
    case "float":
      return decl.min + ((next(decl.bins) + 0.5) / decl.bins) * (decl.max - decl.min);
    case "struct":
      return Object.fromEntries(
        Object.entries(decl.fields).map(([k, d]) => [k, decodeValue(d, codes, cursor)]),
      );
    case "list":
      return Array.from({ length: decl.length }, () => decodeValue(decl.item, codes, cursor));
    case "tuple":
      return decl.items.map((d) => decodeValue(d, codes, cursor));
  }
}
