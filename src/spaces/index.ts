// Search spaces by CLI name, and user spaces from files: a JSON declaration (jsonSpace.ts) or a
// JavaScript/TypeScript module whose default export is a space or a function of the declaration
// API returning one.
import { readFileSync } from "node:fs";
import { resolve as resolvePath } from "node:path";
import { pathToFileURL } from "node:url";
import { GraphBuilder } from "../ir/builder.js";
import * as declaration from "./declaration.js";
import { declareSpace } from "./declaredSpace.js";
import { spaceFromJson } from "./jsonSpace.js";
import { mlp, mlpOptionsFromText, mlpSpace } from "./mlp.js";
import { nb101, nb101Resized } from "./nb101/nb101.js";
import { nb201, nb201Resized } from "./nb201.js";
import { nbmacro } from "./nbmacro.js";
import { type SearchSpace, SpaceError } from "./space.js";

// biome-ignore lint/suspicious/noExplicitAny: the registry holds spaces of different arch types.
type AnySpace = SearchSpace<any>;

/** Built-in spaces; a factory takes `name:key=value,…` options (e.g. `mlp:depth=6,width=512`, `nb201:cells=1`). */
const BUILTIN: Record<string, AnySpace | ((options: Record<string, string>) => AnySpace)> = {
  nb201: (o) => (Object.keys(o).length === 0 ? nb201 : nb201Resized(o)),
  nb101: (o) => (Object.keys(o).length === 0 ? nb101 : nb101Resized(o)),
  nbmacro,
  mlp: (o) => (Object.keys(o).length === 0 ? mlp : mlpSpace(mlpOptionsFromText(o))),
};

export const SPACE_NAMES = Object.keys(BUILTIN);

const looksLikeFile = (name: string) => /[/\\]|\.(json|m?js|ts)$/.test(name);

function parseFactoryOptions(text: string, name: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of text.split(",")) {
    const eq = item.indexOf("=");
    if (eq <= 0) throw new SpaceError(`space "${name}": option "${item}" must be key=value`);
    out[item.slice(0, eq).trim()] = item.slice(eq + 1).trim();
  }
  return out;
}

/** A built-in space by name (with `:options` for factories); throws naming the known ones. */
export function getSpace(name: string): AnySpace {
  const colon = name.indexOf(":");
  const base = colon >= 0 ? name.slice(0, colon) : name;
  const entry = BUILTIN[base];
  if (!entry)
    throw new SpaceError(
      `unknown search space "${name}" (known: ${SPACE_NAMES.join(", ")}, or a space file: .json, .js, .mjs, .ts)`,
    );
  if (typeof entry === "function")
    return entry(colon >= 0 ? parseFactoryOptions(name.slice(colon + 1), base) : {});
  if (colon >= 0) throw new SpaceError(`space "${base}" takes no options`);
  return entry;
}

/** What a space module's default export may be given. */
export const SPACE_MODULE_API = { ...declaration, declareSpace, GraphBuilder };

/** A built-in space, or a space file (JSON or a module). */
export async function loadSpace(name: string): Promise<AnySpace> {
  if (!looksLikeFile(name)) return getSpace(name);
  const path = resolvePath(name);
  if (name.endsWith(".json")) {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (e) {
      throw new SpaceError(`space file ${name}: cannot read (${(e as NodeJS.ErrnoException).code ?? e})`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new SpaceError(`space file ${name}: not JSON (${(e as Error).message})`);
    }
    return spaceFromJson(json, name);
  }
  let mod: { default?: unknown };
  try {
    mod = await import(pathToFileURL(path).href);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === "ERR_MODULE_NOT_FOUND" && err.message.includes(path))
      throw new SpaceError(`space file ${name}: not found`);
    if (err.code === "ERR_UNKNOWN_FILE_EXTENSION")
      throw new SpaceError(`space file ${name}: loading .ts needs a TypeScript loader (node --import tsx)`);
    throw new SpaceError(`space file ${name}: does not load (${err.message.split("\n")[0]})`);
  }
  const exported = typeof mod.default === "function" ? mod.default(SPACE_MODULE_API) : mod.default;
  const space = exported as Partial<AnySpace> | undefined;
  if (
    !space ||
    typeof space.parse !== "function" ||
    typeof space.build !== "function" ||
    typeof space.sample !== "function"
  )
    throw new SpaceError(
      `space file ${name}: its default export is no search space (export a declareSpace(...) result, or a function of the API returning one)`,
    );
  return space as AnySpace;
}
