// Registry of search spaces by CLI name.
import { nb201 } from "./nb201.js";
import type { SearchSpace } from "./space.js";

// biome-ignore lint/suspicious/noExplicitAny: the registry holds spaces of different arch types.
const SPACES: Record<string, SearchSpace<any>> = { nb201 };

export function getSpace(name: string): SearchSpace<unknown> {
  const space = SPACES[name];
  if (!space) throw new Error(`unknown search space "${name}" (known: ${Object.keys(SPACES).join(", ")})`);
  return space;
}

export const SPACE_NAMES = Object.keys(SPACES);
