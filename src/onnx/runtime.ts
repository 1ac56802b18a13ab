// ONNX Runtime sessions: created from compiled models, cached by a caller-chosen key.
import { availableParallelism } from "node:os";
import * as ort from "onnxruntime-node";

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

export class OnnxSession {
  private constructor(private readonly session: ort.InferenceSession) {}

  static async create(bytes: Uint8Array, options: RuntimeOptions = {}): Promise<OnnxSession> {
    const threads = options.threads ?? availableParallelism();
    const session = await ort.InferenceSession.create(bytes, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: "all",
      executionProviders: [...(options.executionProviders ?? ["cpu"])],
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
    feeds: Record<string, TensorData>,
    fetches?: readonly string[],
  ): Promise<Record<string, TensorData>> {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(feeds))
      ortFeeds[name] = new ort.Tensor("float32", t.data, [...t.dims]);
    const result = fetches
      ? await this.session.run(ortFeeds, [...fetches])
      : await this.session.run(ortFeeds);
    const out: Record<string, TensorData> = {};
    for (const [name, t] of Object.entries(result)) {
      out[name] = { data: t.data as Float32Array, dims: t.dims };
    }
    return out;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** A small LRU of sessions, so scoring many draws of one architecture compiles it once. */
export class SessionCache {
  private readonly entries = new Map<string, Promise<OnnxSession>>();

  constructor(
    private readonly capacity = 8,
    private readonly options: RuntimeOptions = {},
  ) {}

  get(key: string, compile: () => Uint8Array): Promise<OnnxSession> {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const created = OnnxSession.create(compile(), this.options);
    this.entries.set(key, created);
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value as string;
      const evicted = this.entries.get(oldest)!;
      this.entries.delete(oldest);
      void evicted.then((s) => s.release());
    }
    return created;
  }

  async clear(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map(async (s) => (await s).release()));
  }
}
