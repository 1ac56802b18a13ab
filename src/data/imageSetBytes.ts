// An ImageSet as one self-describing byte string, so a page can be handed exactly the images Node
// scores with: "NPIMG1\n", a little-endian u32 header length, a JSON header (name, shape, count,
// classes and free-form provenance), then the float32 images and int32 labels, both little-endian.
// No Node APIs: the browser decodes what Node encoded.
import type { ImageSet } from "./imageSet.js";

const MAGIC = "NPIMG1\n";

export interface ImageSetHeader {
  readonly name: string;
  readonly count: number;
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  readonly numClasses: number;
  /** Where the images came from (dataset spec, seed, normalisation), shown to the user. */
  readonly provenance: Readonly<Record<string, unknown>>;
}

export function encodeImageSet(set: ImageSet, provenance: Record<string, unknown> = {}): Uint8Array {
  const header: ImageSetHeader = {
    name: set.name,
    count: set.count,
    channels: set.channels,
    height: set.height,
    width: set.width,
    numClasses: set.numClasses,
    provenance,
  };
  const text = new TextEncoder().encode(JSON.stringify(header));
  const magic = new TextEncoder().encode(MAGIC);
  const body = magic.length + 4 + text.length;
  // Float32 data start at a multiple of 4 so the decoder can view them without copying.
  const pad = (4 - (body % 4)) % 4;
  const size = set.count * set.channels * set.height * set.width;
  const out = new Uint8Array(body + pad + 4 * size + 4 * set.count);
  const view = new DataView(out.buffer);
  out.set(magic, 0);
  view.setUint32(magic.length, text.length + pad, true);
  out.set(text, magic.length + 4);
  out.fill(0x20, body, body + pad);
  let at = body + pad;
  for (let i = 0; i < size; i++, at += 4) view.setFloat32(at, set.images[i]!, true);
  for (let i = 0; i < set.count; i++, at += 4) view.setInt32(at, set.labels[i]!, true);
  return out;
}

/** The set and its header; throws one line when the bytes are not an encoded image set. */
export function decodeImageSet(bytes: Uint8Array): { set: ImageSet; header: ImageSetHeader } {
  const magic = new TextEncoder().encode(MAGIC);
  if (bytes.length < magic.length + 4 || magic.some((b, i) => bytes[i] !== b))
    throw new Error("not an image set (no NPIMG1 header)");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(magic.length, true);
  const start = magic.length + 4;
  if (start + headerLength > bytes.length) throw new Error("image set truncated in its header");
  let header: ImageSetHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(start, start + headerLength)));
  } catch {
    throw new Error("image set header is not JSON");
  }
  const dims = [header.count, header.channels, header.height, header.width, header.numClasses];
  if (!dims.every((d) => Number.isSafeInteger(d) && d >= 0))
    throw new Error("image set header has bad sizes");
  const size = header.count * header.channels * header.height * header.width;
  let at = start + headerLength;
  if (bytes.length !== at + 4 * size + 4 * header.count)
    throw new Error(
      `image set holds ${bytes.length} bytes, its header describes ${at + 4 * size + 4 * header.count}`,
    );
  const images = new Float32Array(size);
  for (let i = 0; i < size; i++, at += 4) images[i] = view.getFloat32(at, true);
  const labels = new Int32Array(header.count);
  for (let i = 0; i < header.count; i++, at += 4) labels[i] = view.getInt32(at, true);
  const { name, count, channels, height, width, numClasses } = header;
  return { set: { name, count, channels, height, width, numClasses, images, labels }, header };
}
