// This machine's practical ONNX Runtime peak: GFLOP/s (2 × multiply-accumulates) of a plain stack of
// 16 3×3 convs (C=64, 32×32) with baked weights, the best case of ORT's NCHWc path. Benchmarks
// state their throughput as a fraction of it.
import { GraphBuilder } from "../src/ir/builder.js";
import { flops } from "../src/ir/cost.js";
import { initWeights } from "../src/ir/init.js";
import { compileToOnnx } from "../src/onnx/compile.js";
import { OnnxSession } from "../src/onnx/runtime.js";

export async function peakGflops(batch: number, threads: number): Promise<number> {
  const b = new GraphBuilder([64, 32, 32]);
  let x = b.input;
  for (let i = 0; i < 16; i++) x = b.relu(b.conv(x, 64, 3, { padding: 1 }));
  const features = b.globalAvgPool(x);
  const graph = b.build({ features, logits: features });
  const weights = initWeights(graph, "kaiming_normal", 0);
  const model = compileToOnnx(graph, { bnMode: "inference", initializers: weights, outputs: ["features"] });
  const session = await OnnxSession.create(model.bytes, { threads });
  const input = {
    data: new Float32Array(batch * 64 * 32 * 32).map((_, i) => Math.sin(i)),
    dims: [batch, 64, 32, 32],
  };
  await session.run({ input }); // warm-up
  const runs = 8;
  const start = performance.now();
  for (let r = 0; r < runs; r++) await session.run({ input });
  const seconds = (performance.now() - start) / 1000;
  await session.release();
  return (2 * flops(graph) * batch * runs) / seconds / 1e9;
}
