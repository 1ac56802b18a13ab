// A space's benchmark network at other macro sizes (`nb201:cells=1`, `nb101:stem=16`): the same
// architectures, strings and benchmark rows, a cheaper network (EcoNAS-style reduced proxies for
// short training). The space says which keys it takes and how they change its build.
import { type BuildOptions, type SearchSpace, SpaceError } from "./space.js";

export function resizedSpace<Arch, Macro>(
  base: SearchSpace<Arch>,
  text: Readonly<Record<string, string>>,
  /** Option key → the build option it sets. */
  keys: Readonly<Record<string, keyof Macro>>,
  build: (arch: Arch, options: BuildOptions & Partial<Macro>) => ReturnType<SearchSpace<Arch>["build"]>,
): SearchSpace<Arch> {
  const macro: Partial<Record<keyof Macro, number>> = {};
  for (const [key, value] of Object.entries(text)) {
    const n = Number(value);
    const option = keys[key];
    if (option === undefined)
      throw new SpaceError(
        `space ${base.name} has no option ${key} (options: ${Object.keys(keys).join(", ")})`,
      );
    if (!Number.isInteger(n) || n < 1)
      throw new SpaceError(`space ${base.name}: ${key}=${value} must be a positive integer`);
    macro[option] = n;
  }
  const name = `${base.name}:${Object.entries(text)
    .map(([k, v]) => `${k}=${Number(v)}`)
    .join(",")}`;
  return {
    ...base,
    name,
    description: `${base.description}, resized (${name})`,
    build: (arch, options) => build(arch, { ...options, ...(macro as Partial<Macro>) }),
  };
}
