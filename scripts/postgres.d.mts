// Types of scripts/postgres.mjs for TypeScript callers (the .mjs stays plain JS for run-tests.mjs).

export interface StartedPostgres {
  /** postgresql://nasprobe@127.0.0.1:PORT/nasprobe (superuser, trust auth). */
  url: string;
  /** The temporary directory holding the cluster (data/), its socket and server.log. */
  dir: string;
  /** Stops the server (pg_ctl stop -m fast) and removes `dir`; a second call does nothing. */
  stop(): Promise<void>;
  skipped?: undefined;
}

export interface SkippedPostgres {
  /** Why no server could start: binaries missing, initdb failed, … */
  skipped: string;
  url?: undefined;
}

export function startPostgres(options?: {
  log?: (line: string) => void;
}): Promise<StartedPostgres | SkippedPostgres>;

/** Creates an empty database `name` ([a-z_][a-z0-9_]*, at most 63) on url's server, replacing one of that name; returns its url. */
export function createTestDatabase(url: string, name: string): Promise<string>;

/** Drops database `name` on url's server (closing its connections), if it exists. */
export function dropDatabase(url: string, name: string): Promise<void>;
