// hash → cell for the whole space. Hashing all 423,624 cells takes tens of seconds (~57 MD5s each),
// so the digests are cached in one binary file outside the repository: 16 bytes per cell in
// enumeration order (allPacked()), under $NASPROBE_CACHE_DIR, else $XDG_CACHE_HOME/nasprobe, else
// ~/.cache/nasprobe. A file of the wrong size or whose spot checks fail is rebuilt; a cache that
// cannot be written is only a lost speed-up.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import type { Nb101Cell } from "./cell.js";
import { allPacked, unpackCell } from "./enumerate.js";
import { nb101Hash } from "./hash.js";

export const HASH_INDEX_FILE = "nb101-hashes-v1.bin";

export function defaultCacheDir(): string {
  if (process.env.NASPROBE_CACHE_DIR) return process.env.NASPROBE_CACHE_DIR;
  const base = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(base, "nasprobe");
}

/** MD5 digests (16 bytes each) of the packed cells, in their order. */
export function hashAll(packed: Uint32Array, onProgress?: (done: number) => void): Buffer {
  const out = Buffer.alloc(16 * packed.length);
  for (let i = 0; i < packed.length; i++) {
    out.write(nb101Hash(unpackCell(packed[i]!)), 16 * i, "hex");
    if (onProgress && i % 50_000 === 0) onProgress(i);
  }
  return out;
}

export interface Nb101HashIndex {
  readonly size: number;
  /** The cell with this hash (lower- or upper-case hex), or undefined when it is not in the space. */
  lookup(hash: string): Nb101Cell | undefined;
  hashAt(index: number): string;
  /** Where the digests came from. */
  readonly source: "cache" | "computed";
}

function spotChecksPass(digests: Buffer, packed: Uint32Array): boolean {
  const n = packed.length;
  for (const i of [0, 1, Math.floor(n / 3), Math.floor(n / 2), n - 1]) {
    if (digests.toString("hex", 16 * i, 16 * i + 16) !== nb101Hash(unpackCell(packed[i]!))) return false;
  }
  return true;
}

/** Loads (or computes and caches) the digests of every cell. */
export function loadHashIndex(options: { cacheDir?: string } = {}): Nb101HashIndex {
  const packed = allPacked();
  const path = join(options.cacheDir ?? defaultCacheDir(), HASH_INDEX_FILE);
  let digests: Buffer | undefined;
  let source: "cache" | "computed" = "cache";
  try {
    const data = readFileSync(path);
    if (data.length === 16 * packed.length && spotChecksPass(data, packed)) digests = data;
  } catch {
    // absent or unreadable: compute below
  }
  if (!digests) {
    source = "computed";
    digests = hashAll(packed);
    try {
      mkdirSync(dirname(path), { recursive: true });
      const tmp = `${path}.${process.pid}.tmp`;
      writeFileSync(tmp, digests);
      renameSync(tmp, path); // atomic, so concurrent processes never read half a file
    } catch {
      // read-only cache location: keep the in-memory index
    }
  }
  return makeHashIndex(packed, digests, source);
}

/** An index over any packed cells and their digests (hashAll order). */
export function makeHashIndex(
  packed: Uint32Array,
  digests: Buffer,
  source: "cache" | "computed" = "computed",
): Nb101HashIndex {
  const byHash = new Map<string, number>();
  for (let i = 0; i < packed.length; i++) byHash.set(digests.toString("hex", 16 * i, 16 * i + 16), i);
  return {
    size: packed.length,
    source,
    lookup(hash) {
      const i = byHash.get(hash.toLowerCase());
      return i === undefined ? undefined : unpackCell(packed[i]!);
    },
    hashAt(index) {
      return digests.toString("hex", 16 * index, 16 * index + 16);
    },
  };
}

let shared: Nb101HashIndex | undefined;

/** The process-wide index (default cache location), loaded on first use. */
export function hashIndex(): Nb101HashIndex {
  shared ??= loadHashIndex();
  return shared;
}
