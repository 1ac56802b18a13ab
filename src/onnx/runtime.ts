// ONNX Runtime sessions over compiled models: threads and execution providers come from options.
import { defaultThreads, ort } from "./ort.js";

export interface RuntimeOptions {
  /** Intra-op threads; defaults to the machine's cores. */
  readonly threads?: number;
  /** ONNX Runtime execution providers in preference order, e.g. ["cuda", "cpu"]. Default ["cpu"]. */
  readonly executionProviders?: readonly string[];
}

export interface TensorData {
  readonly data: Float32Array;
  readonly dims: readonly number[];
}

/** A uint8 tensor (e.g. ReLU on/off patterns); comes back in `bytes` from run(). */
export interface ByteTensorData {
  readonly bytes: Uint8Array;
  readonly dims: readonly number[];
}

export class OnnxSession {
  private constructor(private readonly session: ort.InferenceSession) {}

  /**
   * `runOnce`: the session serves one or a few runs (a gradient pass per architecture). ORT's memory
   * pattern planning then costs more than it saves: measured 650 vs 1090 ms for the first run of
   * an NB201 gradient model.
   */
  static async create(
    bytes: Uint8Array,
    options: RuntimeOptions = {},
    runOnce = false,
  ): Promise<OnnxSession> {
    const threads = options.threads ?? defaultThreads();
    const session = await ort.InferenceSession.create(bytes, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: "all",
      executionProviders: [...(options.executionProviders ?? ["cpu"])],
      enableMemPattern: !runOnce,
    });
    return new OnnxSession(session);
  }

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  async run(
    feeds: Record<string, TensorData | ByteTensorData>,
    fetches?: readonly string[],
  ): Promise<Record<string, TensorData & { bytes?: Uint8Array }>> {
    const ortFeeds = toOrtFeeds(feeds);
    return fromOrtResult(
      fetches ? await this.session.run(ortFeeds, [...fetches]) : await this.session.run(ortFeeds),
    );
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** ORT tensors over our feeds (float32, or uint8 given as `bytes`), without copying the data. */
export function toOrtFeeds(feeds: Record<string, TensorData | ByteTensorData>): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {};
  for (const [name, t] of Object.entries(feeds))
    out[name] =
      "bytes" in t
        ? new ort.Tensor("uint8", t.bytes, [...t.dims])
        : new ort.Tensor("float32", t.data, [...t.dims]);
  return out;
}

/** A run's outputs as ours: float32 in `data`, uint8 in `bytes`. */
export function fromOrtResult(
  result: ort.InferenceSession.OnnxValueMapType,
): Record<string, TensorData & { bytes?: Uint8Array }> {
  const out: Record<string, TensorData & { bytes?: Uint8Array }> = {};
  for (const [name, t] of Object.entries(result))
    out[name] =
      t.type === "uint8"
        ? { data: new Float32Array(0), bytes: t.data as Uint8Array, dims: t.dims }
        : { data: t.data as Float32Array, dims: t.dims };
  return out;
}
