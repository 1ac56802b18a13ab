// A dropped .onnx file as an IR graph for the page's images. Node's `score --model` needs the data to
// have the model's input shape; a page has one set of images, so it fits them to the model instead:
// a convolutional model up to global pooling is rebuilt at the images' height and width (as
// `--input-shape` does), and one-channel images are repeated across a model's input channels.
import { fitChannels, type ImageSet } from "../../data/imageSet.js";
import { type ImportedModel, importOnnx, OnnxImportError } from "../../onnx/import.js";

export interface PageModel {
  readonly model: ImportedModel;
  /** The images as the model takes them. */
  readonly data: ImageSet;
  /** How the images were fitted to the model, for the page to say; empty when they fit as they are. */
  readonly fitted: string;
}

export function modelForImages(bytes: Uint8Array, set: ImageSet): PageModel {
  // As the model declares it; undefined when its input shape is dynamic.
  let model = importDeclared(bytes);
  const declared = model ? [...model.graph.inputShape] : undefined;
  const channels = declared?.[0] ?? set.channels;
  const same = declared !== undefined && declared[1] === set.height && declared[2] === set.width;
  if (!model || !same) {
    try {
      model = importOnnx(bytes, { inputShape: [channels, set.height, set.width] });
    } catch (e) {
      // A model that cannot run at the images' size (a fixed-size flatten) is refused as it is.
      if (!(e instanceof OnnxImportError) || !declared) throw e;
      throw new OnnxImportError(
        `the model takes ${declared.join("×")} inputs and does not run at the page's ${set.height}×${set.width} images (${e.message})`,
      );
    }
  }
  const data = channels === set.channels ? set : fitChannels(set, channels);
  const notes: string[] = [];
  if (declared && !same)
    notes.push(`run at ${set.height}×${set.width} (the model declares ${declared.join("×")})`);
  if (channels !== set.channels) notes.push(`images repeated across ${channels} channels`);
  return { model, data, fitted: notes.join("; ") };
}

/** The model at its own input shape, or undefined when that shape is dynamic. */
function importDeclared(bytes: Uint8Array): ImportedModel | undefined {
  try {
    return importOnnx(bytes);
  } catch (e) {
    if (e instanceof OnnxImportError && /dynamic or missing shape/.test(e.message)) return undefined;
    throw e;
  }
}
