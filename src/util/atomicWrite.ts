// Whole-file outputs (`--out`) written atomically: the data goes to a temporary file created with
// O_EXCL beside the target, is fsync'd, renamed over the target, and the directory is fsync'd, so the
// target holds the old content or the new, never a half-written file. Before anything is created the
// target is checked: its directory must exist; an existing target must be a regular file (a rename
// would replace a symlink, a FIFO or /dev/null itself), must not be a SQLite database (a study), and
// must not be one of the command's inputs. Every refusal is one line naming the path.
import { randomBytes } from "node:crypto";
import {
  closeSync,
  fchmodSync,
  fsyncSync,
  lstatSync,
  openSync,
  readSync,
  renameSync,
  type Stats,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join, resolve } from "node:path";

export interface OutputCheckOptions {
  /**
   * Files the command reads: the output must not be any of them (compared by device and inode, so
   * a symlink or a second spelling of an input is caught too). Missing inputs are ignored.
   */
  inputs?: readonly (string | undefined)[];
  /** How the path is named in errors (default "--out"). */
  label?: string;
}

/** The first 16 bytes of every SQLite 3 database, nasprobe studies included. */
const SQLITE_HEADER = Buffer.from("SQLite format 3\0", "latin1");

const kind = (s: Stats): string =>
  s.isDirectory()
    ? "a directory"
    : s.isSymbolicLink()
      ? "a symbolic link"
      : s.isFIFO()
        ? "a FIFO"
        : s.isCharacterDevice()
          ? "a character device"
          : s.isBlockDevice()
            ? "a block device"
            : s.isSocket()
              ? "a socket"
              : "not a regular file";

const lstatOrUndefined = (path: string): Stats | undefined => {
  try {
    return lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
};

/** Whether `a` and `b` name the same existing file (same device and inode, symlinks followed). */
export function sameFile(a: string, b: string): boolean {
  try {
    const sa = statSync(a);
    const sb = statSync(b);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return false;
  }
}

/** The first `n` bytes of a file (fewer when it is shorter); throws when it cannot be read. */
function head(path: string, n: number): Buffer {
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.alloc(n);
    return buf.subarray(0, readSync(fd, buf, 0, n, 0));
  } finally {
    closeSync(fd);
  }
}

/** Whether `path` is a readable file that starts with the SQLite header (a nasprobe study, say). */
export function isSqliteFile(path: string): boolean {
  try {
    return head(path, SQLITE_HEADER.length).equals(SQLITE_HEADER);
  } catch {
    return false;
  }
}

/**
 * Throws a one-line error unless `path` may be (re)written whole: a non-empty path whose directory
 * exists and which, if it exists, is a regular file (not a symlink), is readable, is not a SQLite
 * database and is none of `inputs`. Creates nothing; call it before the command's work.
 * Returns the target's permission bits when it exists (kept by atomicWriteFile).
 */
export function checkOutputPath(path: string, opts: OutputCheckOptions = {}): number | undefined {
  const label = opts.label ?? "--out";
  if (path === "") throw new Error(`${label}: empty file name`);
  if (/[/\\]$/.test(path) || basename(path) === "." || basename(path) === "..")
    throw new Error(`${label} ${path}: names a directory, not a file`);
  const dir = dirname(path);
  let dirStat: Stats | undefined;
  try {
    dirStat = statSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new Error(`${label} ${path}: directory ${dir} does not exist`);
    if (code === "ENOTDIR") throw new Error(`${label} ${path}: ${dir} is not a directory`);
    throw new Error(`${label} ${path}: cannot reach directory ${dir} (${code ?? String(err)})`);
  }
  if (!dirStat.isDirectory()) throw new Error(`${label} ${path}: ${dir} is not a directory`);
  const st = lstatOrUndefined(path);
  let mode: number | undefined;
  if (st) {
    if (st.isSymbolicLink())
      throw new Error(
        `${label} ${path}: is a symbolic link; refusing to replace it (give the file it points to)`,
      );
    if (!st.isFile()) throw new Error(`${label} ${path}: is ${kind(st)}; refusing to replace it`);
    let start: Buffer;
    try {
      start = head(path, SQLITE_HEADER.length);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? String(err);
      throw new Error(`${label} ${path}: exists but cannot be read to check what it is (${code})`);
    }
    if (start.equals(SQLITE_HEADER))
      throw new Error(`${label} ${path}: is a SQLite database (a study?); refusing to overwrite it`);
    mode = st.mode & 0o777;
  }
  for (const input of opts.inputs ?? []) {
    if (input !== undefined && sameFile(path, input))
      throw new Error(
        resolve(input) === resolve(path)
          ? `${label} ${path}: is an input of this command; refusing to overwrite it`
          : `${label} ${path}: is the same file as the input ${input}; refusing to overwrite it`,
      );
  }
  return mode;
}

/**
 * Writes `data` to `path` atomically after checkOutputPath (see there): a temporary file created
 * with O_EXCL in the same directory, fsync'd, renamed over the target, then the directory fsync'd.
 * An existing target keeps its permission bits. On any failure the temporary file is removed and a
 * one-line error naming `path` is thrown; the target is then untouched.
 */
export function atomicWriteFile(
  path: string,
  data: string | Uint8Array,
  opts: OutputCheckOptions = {},
): void {
  const label = opts.label ?? "--out";
  const mode = checkOutputPath(path, opts);
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  let fd: number | undefined;
  let created = false;
  try {
    fd = openSync(tmp, "wx", 0o666);
    created = true;
    if (mode !== undefined) fchmodSync(fd, mode);
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    // The target may have changed while the data was prepared: check its kind again just before.
    const st = lstatOrUndefined(path);
    if (st && !st.isFile()) throw new Error(`${path} became ${kind(st)} meanwhile; refusing to replace it`);
    renameSync(tmp, path);
    created = false;
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    if (created) {
      try {
        unlinkSync(tmp);
      } catch {
        // already gone
      }
    }
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(`${label} ${path}: cannot write (${message})`);
  }
  fsyncDirectory(dir);
}

/** Makes a rename in `dir` durable; a file system that cannot fsync a directory is let be. */
function fsyncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, "r");
    fsyncSync(fd);
  } catch {
    // EISDIR/EINVAL/EPERM on some file systems: the rename itself has happened.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
