// Checkpoints of a training run: one file holding a JSON header (identity, progress, the epoch
// records so far, tensor directory) and the float32 tensors (weights, BN running statistics,
// optimizer slots). Written to a temporary file beside the target, fsynced, then renamed, so a
// SIGKILL at any moment leaves either the previous checkpoint or the new one, never a torn file.
import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import path from "node:path";
import { canonicalJson, differences } from "./config.js";

const MAGIC = "NASPROBE-CKPT-1\n";

export interface CheckpointContents<Record_> {
  /** What the run is (space, architecture, settings, data); resuming needs an equal identity. */
  readonly identity: unknown;
  /** Epochs completed. */
  readonly epoch: number;
  readonly optimizerStep: number;
  readonly elapsedSeconds: number;
  readonly records: readonly Record_[];
  readonly tensors: ReadonlyMap<string, Float32Array>;
}

export function writeCheckpoint<R>(file: string, contents: CheckpointContents<R>): void {
  const directory: Array<{ name: string; length: number }> = [];
  for (const [name, values] of contents.tensors) directory.push({ name, length: values.length });
  const header = Buffer.from(
    JSON.stringify({
      identity: contents.identity,
      epoch: contents.epoch,
      optimizerStep: contents.optimizerStep,
      elapsedSeconds: contents.elapsedSeconds,
      records: contents.records,
      tensors: directory,
    }),
  );
  const length = Buffer.alloc(4);
  length.writeUInt32LE(header.length);
  // Tensor data starts on a 4-byte boundary so it can be read back as Float32Array views.
  const pad = Buffer.alloc((4 - ((MAGIC.length + 4 + header.length) % 4)) % 4);
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}`);
  const fd = openSync(tmp, "w");
  try {
    for (const part of [Buffer.from(MAGIC), length, header, pad]) writeSync(fd, part);
    for (const [, values] of contents.tensors)
      writeSync(fd, new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  try {
    const dir = openSync(path.dirname(file), "r");
    fsyncSync(dir);
    closeSync(dir);
  } catch {
    // Some file systems refuse fsync on a directory; the rename itself is still atomic.
  }
}

/** Reads a checkpoint; undefined when the file does not exist. Throws on a file that is not one. */
export function readCheckpoint<R>(file: string): CheckpointContents<R> | undefined {
  if (!existsSync(file)) return undefined;
  const bytes = readFileSync(file);
  if (bytes.subarray(0, MAGIC.length).toString() !== MAGIC)
    throw new Error(`${file} is not a nasprobe checkpoint`);
  const headerLength = bytes.readUInt32LE(MAGIC.length);
  const start = MAGIC.length + 4;
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.subarray(start, start + headerLength).toString());
  } catch {
    throw new Error(
      `${file} is a damaged nasprobe checkpoint (its header is not JSON); delete it to start over`,
    );
  }
  const header = parsed as {
    identity: unknown;
    epoch: number;
    optimizerStep: number;
    elapsedSeconds: number;
    records: R[];
    tensors: Array<{ name: string; length: number }>;
  };
  let offset = start + headerLength;
  offset += (4 - (offset % 4)) % 4;
  const tensors = new Map<string, Float32Array>();
  for (const { name, length } of header.tensors) {
    if (offset + length * 4 > bytes.length) throw new Error(`${file} is truncated (tensor ${name})`);
    // A copy: the run mutates its tensors in place.
    tensors.set(
      name,
      new Float32Array(bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + offset + length * 4)),
    );
    offset += length * 4;
  }
  return { ...header, tensors };
}

/** Throws naming what differs when a checkpoint belongs to another run. */
export function checkIdentity(file: string, stored: unknown, wanted: unknown): void {
  if (canonicalJson(stored) === canonicalJson(wanted)) return;
  const diff = differences(stored, wanted);
  throw new Error(
    `checkpoint ${file} is from another run (${diff.slice(0, 3).join("; ")}${diff.length > 3 ? `; +${diff.length - 3} more` : ""}); delete it or pass another --checkpoint`,
  );
}

export function removeCheckpoint(file: string): void {
  if (existsSync(file)) unlinkSync(file);
}
