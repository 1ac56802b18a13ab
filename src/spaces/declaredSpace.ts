// A SearchSpace derived from a declaration (declaration.ts) plus the network it builds: sampling,
// neighbours, enumeration, the categorical code and parsing all come from the declaration, so a
// space file says only what is particular to it.
import type { Graph } from "../ir/graph.js";
import type { Rng } from "../util/random.js";
import {
  check,
  codeChoices,
  type Decl,
  decodeValue,
  edits,
  encode,
  enumerate,
  sample,
  size,
  type Value,
} from "./declaration.js";
import type { BenchmarkHook, BuildOptions, Decoded, SearchSpace } from "./space.js";
import { SpaceError } from "./space.js";
import type { SupernetHook } from "./supernet.js";

/** Spaces at most this large (before canonical forms merge duplicates) can be listed. */
const ENUMERABLE = 2_000_000;

export interface SpaceDeclaration<Arch extends Value> {
  readonly name: string;
  readonly description: string;
  /** Where the choices are. */
  readonly choices: Decl;
  build(arch: Arch, options: BuildOptions): Graph;
  readonly defaultBuild: BuildOptions;
  /** Why a declared value is no architecture (e.g. a cell with no input→output path), or undefined. */
  validate?(arch: Arch): string | undefined;
  /**
   * The canonical form of an architecture, when several values build the same network (e.g. an
   * isomorphic cell). Sampling is then uniform over canonical forms.
   */
  canonical?(arch: Arch): Arch;
  /** A string form other than canonical JSON (e.g. NB201's arch string); `parse` must invert it. */
  format?(arch: Arch): string;
  parse?(text: string): Arch;
  thinNetwork?(arch: Arch, numClasses: number): Graph;
  describe?(arch: Arch): Readonly<Record<string, string | number>>;
  readonly supernet?: SupernetHook<Arch>;
  readonly benchmark?: BenchmarkHook<Arch>;
  flops?(graph: Graph): number;
}

export function declareSpace<Arch extends Value>(d: SpaceDeclaration<Arch>): SearchSpace<Arch> {
  const decl = d.choices;
  const rawSize = size(decl);
  const canonical = d.canonical ?? ((a: Arch) => a);
  const format = d.format ?? ((a: Arch) => JSON.stringify(a));
  const reason = (a: Arch) => d.validate?.(a);
  const reduces = d.canonical !== undefined || d.validate !== undefined;
  const enumerable = Number.isFinite(rawSize) && rawSize <= ENUMERABLE;
  const choices = codeChoices(decl);

  // Unique architectures, listed once on first use when canonical forms or constraints make the
  // declared count differ from the space's.
  /** The valid values among `values`, canonicalised, each network once (and none in `seen`). */
  const distinctValid = (values: Iterable<Value>, seen = new Set<string>()): Arch[] => {
    const out: Arch[] = [];
    for (const v of values) {
      const a = v as Arch;
      if (reason(a) !== undefined) continue;
      const c = canonical(a);
      const key = format(c);
      if (!seen.has(key)) {
        seen.add(key);
        out.push(c);
      }
    }
    return out;
  };
  let unique: Arch[] | undefined;
  const uniqueList = (): Arch[] => {
    unique ??= distinctValid(enumerate(decl));
    return unique;
  };

  const parse = (text: string): Arch => {
    let arch: Arch;
    if (d.parse) arch = d.parse(text);
    else {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (e) {
        throw new SpaceError(`${d.name} architecture is not JSON: ${(e as Error).message}`);
      }
      arch = check(decl, json) as Arch;
    }
    const why = reason(arch);
    if (why !== undefined) throw new SpaceError(`invalid ${d.name} architecture: ${why}`);
    return canonical(arch);
  };

  const space: SearchSpace<Arch> = {
    name: d.name,
    description: d.description,
    parse,
    format: (arch) => format(canonical(arch)),
    sample(rng: Rng): Arch {
      if (d.canonical && enumerable) {
        const all = uniqueList();
        return all[rng.int(all.length)]!;
      }
      // Uniform over valid declared values by rejection.
      for (let tries = 0; tries < 100_000; tries++) {
        const a = sample(decl, rng) as Arch;
        if (reason(a) === undefined) return canonical(a);
      }
      throw new SpaceError(`${d.name}: no valid architecture in 100,000 draws`);
    },
    neighbours: (arch: Arch): Arch[] => distinctValid(edits(decl, arch), new Set([format(canonical(arch))])),
    build: (arch, options) => d.build(arch, options),
    defaultBuild: d.defaultBuild,
    categorical: {
      choices,
      encode: (arch) => encode(decl, arch),
      decode(codes): Decoded<Arch> {
        if (codes.length !== choices.length)
          return { ok: false, reason: `the code needs ${choices.length} entries, got ${codes.length}` };
        let a: Arch;
        try {
          a = decodeValue(decl, codes) as Arch;
        } catch (e) {
          return { ok: false, reason: (e as Error).message };
        }
        const why = reason(a);
        return why === undefined ? { ok: true, arch: canonical(a) } : { ok: false, reason: why };
      },
    },
    ...(d.thinNetwork ? { thinNetwork: d.thinNetwork } : {}),
    ...(d.describe ? { describe: d.describe } : {}),
    ...(d.supernet ? { supernet: d.supernet } : {}),
    ...(d.benchmark ? { benchmark: d.benchmark } : {}),
    ...(d.flops ? { flops: d.flops } : {}),
  };
  if (enumerable) {
    space.enumerate = () => (reduces ? uniqueList() : (enumerate(decl) as Iterable<Arch>));
    Object.defineProperty(space, "size", {
      get: () => (reduces ? uniqueList().length : rawSize),
      enumerable: true,
    });
  } else if (Number.isFinite(rawSize) && !reduces) {
    Object.defineProperty(space, "size", { value: rawSize, enumerable: true });
  }
  return space;
}
