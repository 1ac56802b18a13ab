// The built-in spaces that need no Node API, by their CLI names, for pages that build architectures
// in a browser tab. NB-101 is not among them: its cell hash is node:crypto's MD5 with an on-disk cache.
import { mlp } from "./mlp.js";
import { nb201 } from "./nb201.js";
import { nbmacro } from "./nbmacro.js";
import type { SearchSpace } from "./space.js";

// biome-ignore lint/suspicious/noExplicitAny: the registry holds spaces of different arch types.
export const BROWSER_SPACES: Readonly<Record<string, SearchSpace<any>>> = { nb201, nbmacro, mlp };
