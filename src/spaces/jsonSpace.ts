// Search spaces written as JSON: the choices in the declaration language's JSON form and the
// network as a list of layers whose arguments may refer to choices ("$width", "$block.act").
// Documented in README.md ("Your own search space"); examples in examples/spaces/.
//
//   choices:  a literal (fixed) | {"oneOf":[…]} | {"manyOf":k,"of":[…],"distinct"?,"sorted"?}
//             | {"someOf":[…],"min"?,"max"?} | {"int":[lo,hi]} | {"float":[lo,hi],"bins"?}
//             | {"list":n,"item":D} | {"tuple":[D, …]} | {field: D, …} (a struct; a struct candidate of oneOf is a
//             conditional part)
//   layers:   {"conv":{"out","kernel","stride"?,"groups"?}} | {"bn":{}} | {"act":"relu"}
//             | {"maxpool"|"avgpool":{"kernel","stride"?}} | {"gap":{}} | {"flatten":{}}
//             | {"linear":{"out"}} | {"residual":[layers]} | {"repeat":"$list","as":"name","body":[layers]}
//             | {"if":"$ref","equals":v,"then":[layers],"else"?:[layers]}
// The network ends in the features; a linear head to the class count is added.
import { GraphBuilder, type Ref } from "../ir/builder.js";
import { ACTIVATIONS, type Activation, type Graph } from "../ir/graph.js";
import {
  type Decl,
  floatRange,
  intRange,
  type Literal,
  list,
  manyOf,
  oneOf,
  someOf,
  struct,
  tuple,
  type Value,
} from "./declaration.js";
import { declareSpace } from "./declaredSpace.js";
import { type SearchSpace, SpaceError } from "./space.js";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const isObject = (x: unknown): x is Record<string, Json> =>
  typeof x === "object" && x !== null && !Array.isArray(x);
const isLiteral = (x: unknown): x is Literal =>
  typeof x === "string" || typeof x === "number" || typeof x === "boolean";

/** The declaration a JSON choice stands for; `where` names it in errors. */
export function declFromJson(j: Json, where: string): Decl {
  const fail = (why: string): never => {
    throw new SpaceError(`${where}: ${why}`);
  };
  const literals = (x: Json | undefined, what: string): Literal[] => {
    if (!Array.isArray(x) || !x.every(isLiteral)) return fail(`${what} needs a list of values`);
    return x as Literal[];
  };
  const pair = (x: Json | undefined, what: string): [number, number] => {
    if (!Array.isArray(x) || x.length !== 2 || !x.every((v) => typeof v === "number"))
      return fail(`${what} needs [low, high]`);
    return [x[0] as number, x[1] as number];
  };
  try {
    if (isLiteral(j)) return { kind: "fixed", value: j };
    if (!isObject(j)) return fail(`expected a value or a choice, got ${JSON.stringify(j)}`);
    if ("oneOf" in j) {
      const cs = j.oneOf;
      if (!Array.isArray(cs)) return fail('"oneOf" needs a list');
      return oneOf(
        cs.map((c, i) => {
          if (isLiteral(c)) return c;
          const d = declFromJson(c, `${where}.oneOf[${i}]`);
          if (d.kind !== "struct") fail(`oneOf[${i}] must be a value or an object of fields`);
          return d as ReturnType<typeof struct>;
        }),
      );
    }
    if ("manyOf" in j) {
      const o: { distinct?: boolean; sorted?: boolean } = {};
      if (typeof j.distinct === "boolean") o.distinct = j.distinct;
      if (typeof j.sorted === "boolean") o.sorted = j.sorted;
      return manyOf(Number(j.manyOf), literals(j.of, '"manyOf"'), o);
    }
    if ("someOf" in j) {
      const o: { min?: number; max?: number } = {};
      if (typeof j.min === "number") o.min = j.min;
      if (typeof j.max === "number") o.max = j.max;
      return someOf(literals(j.someOf, '"someOf"'), o);
    }
    if ("int" in j) return intRange(...pair(j.int, '"int"'));
    if ("float" in j)
      return floatRange(...pair(j.float, '"float"'), typeof j.bins === "number" ? { bins: j.bins } : {});
    if ("tuple" in j) {
      const items = j.tuple;
      if (!Array.isArray(items)) return fail('"tuple" needs a list of declarations');
      return tuple(items.map((d, i) => declFromJson(d, `${where}.tuple[${i}]`)));
    }
    if ("list" in j) {
      if (j.item === undefined) return fail('"list" needs an "item"');
      return list(Number(j.list), declFromJson(j.item, `${where}.item`));
    }
    return struct(
      Object.fromEntries(Object.entries(j).map(([k, v]) => [k, declFromJson(v, `${where}.${k}`)])),
    );
  } catch (e) {
    if (e instanceof SpaceError && !e.message.startsWith(where))
      throw new SpaceError(`${where}: ${e.message}`);
    throw e;
  }
}

interface Scope {
  readonly values: Readonly<Record<string, Value>>;
}

/** A "$a.b" reference resolved in scope; any other value is itself. */
function resolve(x: Json | undefined, scope: Scope, where: string): Value | undefined {
  if (typeof x !== "string" || !x.startsWith("$")) return x as Value | undefined;
  const [head, ...path] = x.slice(1).split(".");
  let v: Value | undefined = scope.values[head!];
  for (const p of path) v = isObject(v) ? (v as Record<string, Value>)[p] : undefined;
  if (v === undefined) throw new SpaceError(`${where}: "${x}" names no choice in scope`);
  return v;
}

function numberArg(
  o: Record<string, Json>,
  key: string,
  scope: Scope,
  where: string,
  fallback?: number,
): number {
  const v = resolve(o[key], scope, `${where}.${key}`) ?? fallback;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1)
    throw new SpaceError(`${where}: "${key}" must be a positive integer, got ${JSON.stringify(v)}`);
  return v;
}

function layers(b: GraphBuilder, x: Ref, spec: Json, scope: Scope, where: string): Ref {
  if (!Array.isArray(spec)) throw new SpaceError(`${where} must be a list of layers`);
  spec.forEach((layer, i) => {
    x = layerOf(b, x, layer, scope, `${where}[${i}]`);
  });
  return x;
}

function layerOf(b: GraphBuilder, x: Ref, layer: Json, scope: Scope, where: string): Ref {
  if (!isObject(layer)) throw new SpaceError(`${where}: a layer is an object such as {"conv":{…}}`);
  const kind = Object.keys(layer).find(
    (k) => k !== "as" && k !== "body" && k !== "equals" && k !== "then" && k !== "else",
  );
  const arg = kind === undefined ? undefined : layer[kind];
  const o = isObject(arg) ? arg : {};
  switch (kind) {
    case "conv": {
      const kernel = numberArg(o, "kernel", scope, where);
      return b.conv(x, numberArg(o, "out", scope, where), kernel, {
        stride: numberArg(o, "stride", scope, where, 1),
        padding: Math.floor(kernel / 2),
        groups: numberArg(o, "groups", scope, where, 1),
      });
    }
    case "bn":
      return b.batchNorm(x);
    case "act": {
      const fn = resolve(arg, scope, `${where}.act`);
      if (!ACTIVATIONS.includes(fn as Activation))
        throw new SpaceError(
          `${where}: unknown activation ${JSON.stringify(fn)} (known: ${ACTIVATIONS.join(", ")})`,
        );
      return b.act(x, fn as Activation);
    }
    case "maxpool":
    case "avgpool": {
      const kernel = numberArg(o, "kernel", scope, where);
      const stride = numberArg(o, "stride", scope, where, kernel);
      const padding = stride === 1 ? Math.floor(kernel / 2) : 0;
      return kind === "maxpool"
        ? b.maxPool(x, kernel, { stride, padding })
        : b.avgPool(x, kernel, { stride, padding });
    }
    case "gap":
      return b.globalAvgPool(x);
    case "flatten":
      return b.flatten(x);
    case "linear":
      return b.linear(b.flatten(x), numberArg(o, "out", scope, where));
    case "residual": {
      const y = layers(b, x, arg ?? null, scope, `${where}.residual`);
      const [xs, ys] = [b.shape(x), b.shape(y)];
      if (xs.join("x") === ys.join("x")) return b.add([x, y]);
      // Shapes differ: project the shortcut with a strided 1×1 conv + BN (ResNet's option B).
      if (xs.length !== 3 || ys.length !== 3)
        throw new SpaceError(`${where}: residual body changes shape ${xs.join("x")} → ${ys.join("x")}`);
      const stride = Math.round(xs[1]! / ys[1]!);
      return b.add([b.batchNorm(b.conv(x, ys[0]!, 1, { stride })), y]);
    }
    case "repeat": {
      const items = resolve(arg, scope, `${where}.repeat`);
      if (!Array.isArray(items)) throw new SpaceError(`${where}: "repeat" must name a list choice`);
      const name = typeof layer.as === "string" ? layer.as : "item";
      items.forEach((item, i) => {
        x = b.within(`${name}${i}`, () =>
          layers(b, x, layer.body ?? null, { values: { ...scope.values, [name]: item } }, `${where}.body`),
        );
      });
      return x;
    }
    case "if": {
      const v = resolve(arg, scope, `${where}.if`);
      const branch = JSON.stringify(v) === JSON.stringify(layer.equals) ? layer.then : layer.else;
      return branch === undefined
        ? x
        : layers(b, x, branch, scope, `${where}.${branch === layer.then ? "then" : "else"}`);
    }
    default:
      throw new SpaceError(
        `${where}: unknown layer ${JSON.stringify(kind)} (known: conv, bn, act, maxpool, avgpool, gap, flatten, linear, residual, repeat, if)`,
      );
  }
}

function shapeOf(x: Json | undefined, where: string): number[] {
  if (
    !Array.isArray(x) ||
    x.length === 0 ||
    !x.every((d) => typeof d === "number" && Number.isInteger(d) && d > 0)
  )
    throw new SpaceError(`${where} must be a list of positive integers such as [3, 32, 32]`);
  return x as number[];
}

/** A space from the parsed JSON of a space file; `file` names it in errors. */
export function spaceFromJson(j: unknown, file: string): SearchSpace<Value> {
  if (!isObject(j)) throw new SpaceError(`${file}: a space file holds one JSON object`);
  if (typeof j.name !== "string" || j.name === "")
    throw new SpaceError(`${file}: "name" must be a non-empty string`);
  if (j.choices === undefined) throw new SpaceError(`${file}: declares no "choices"`);
  if (j.network === undefined) throw new SpaceError(`${file}: declares no "network"`);
  const choices = declFromJson(j.choices, `${file}: choices`);
  const network = j.network;
  const classes = j.classes ?? 10;
  if (typeof classes !== "number" || !Number.isInteger(classes) || classes < 1)
    throw new SpaceError(`${file}: "classes" must be a positive integer`);
  const build = (arch: Value, o: { inputShape: readonly number[]; numClasses: number }): Graph => {
    const b = new GraphBuilder(o.inputShape);
    const values = isObject(arch) ? (arch as Record<string, Value>) : { arch };
    let features = layers(b, b.input, network, { values }, `${file}: network`);
    if (b.shape(features).length === 3) features = b.globalAvgPool(features);
    const logits = b.within("head", () => b.linear(features, o.numClasses));
    return b.build({ features, logits });
  };
  const space = declareSpace<Value>({
    name: j.name,
    description: typeof j.description === "string" ? j.description : `user space from ${file}`,
    choices,
    build,
    defaultBuild: { inputShape: shapeOf(j.input ?? [3, 32, 32], `${file}: "input"`), numClasses: classes },
  });
  return space;
}
