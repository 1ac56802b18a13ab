// Opens a study store by its spec: a postgresql:// URL or a SQLite file path.
import { isPostgresUrl, openPostgresStorage } from "./postgres.js";
import { openSqliteStorage } from "./sqlite.js";
import type { Storage } from "./study.js";

export { isPostgresUrl } from "./postgres.js";
export type * from "./study.js";

export function openStorage(
  spec: string,
  options: { readOnly?: boolean; mustExist?: boolean } = {},
): Promise<Storage> {
  return isPostgresUrl(spec) ? openPostgresStorage(spec, options) : openSqliteStorage(spec, options);
}
