// Canonical JSON (object keys sorted at every level) as the identity of a configuration, and the
// differences between two configurations named key by key, for "created with other settings" errors.

/** JSON with sorted keys at every level: the same settings always give the same text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object")
    return `{${Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  return JSON.stringify(value) ?? "null";
}

/** Flattened `path=value` pairs, for naming what differs between two identities. */
export function flatten(value: unknown, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  if (value && typeof value === "object" && !Array.isArray(value)) {
    for (const [k, item] of Object.entries(value))
      if (item !== undefined)
        for (const [p, s] of flatten(item, prefix ? `${prefix}.${k}` : k)) out.set(p, s);
  } else out.set(prefix, JSON.stringify(value));
  return out;
}

/** The keys where `a` and `b` differ, as `key: a ≠ b`, sorted by key. */
export function differences(a: unknown, b: unknown): string[] {
  const fa = flatten(a);
  const fb = flatten(b);
  const keys = [...new Set([...fa.keys(), ...fb.keys()])].sort();
  return keys
    .filter((k) => fa.get(k) !== fb.get(k))
    .map((k) => `${k}: ${fa.get(k) ?? "absent"} ≠ ${fb.get(k) ?? "absent"}`);
}
