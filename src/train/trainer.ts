// The training loop: seeded epochs of augmented mini-batches through one reused step session, the
// optimizer's update in place on the weights, BN running statistics as PyTorch keeps them, a
// validation pass per epoch, and an atomic checkpoint after each epoch. Everything random is drawn
// from Rng(seed, purpose, epoch), so a run resumed from the checkpoint of epoch e replays epochs
// e+1… exactly as the uninterrupted run would.
import { type ImageSet, imageSize } from "../data/imageSet.js";
import { batchNormNodes, type Graph, numel } from "../ir/graph.js";
import { initWeights } from "../ir/init.js";
import { runningMeanName, runningVarName } from "../onnx/compile.js";
import { freshRunningStatistics } from "../onnx/forward.js";
import type { RuntimeOptions } from "../onnx/runtime.js";
import { Rng } from "../util/random.js";
import { augmentBatch, gatherBatch } from "./augment.js";
import { checkIdentity, readCheckpoint, writeCheckpoint } from "./checkpoint.js";
import type { TrainConfig } from "./config.js";
import { freshState, getOptimizer, type OptimizerState, type Tensors } from "./optimizers/index.js";
import { learningRate } from "./schedule.js";
import { EvalSession, TrainStepSession } from "./sessions.js";

/** One epoch's figures; accuracies are fractions in [0, 1]. */
export interface EpochRecord {
  readonly epoch: number;
  readonly train_loss: number;
  readonly train_accuracy: number;
  /** null when the run has no validation set. */
  readonly val_accuracy: number | null;
  readonly val_loss: number | null;
  /** Wall seconds of the epoch (training and validation). */
  readonly seconds: number;
  /** Training images per second (forward, backward, update and augmentation). */
  readonly images_per_second: number;
  /** Learning rate at the epoch's last step. */
  readonly lr: number;
}

export interface TrainData {
  readonly train: ImageSet;
  readonly val?: ImageSet;
  /** Normalised value of a black pixel per channel, for crop padding. */
  readonly padValue: readonly number[];
}

export interface StepProgress {
  readonly epoch: number;
  readonly step: number;
  readonly steps: number;
  readonly loss: number;
  readonly accuracy: number;
}

export interface TrainControl {
  readonly runtime: RuntimeOptions;
  /** Resume from and write to this checkpoint; its identity must match to be resumed. */
  readonly checkpoint?: { readonly file: string; readonly identity: unknown };
  /** Stop before an epoch that would end past this many seconds of training (mean epoch time so far). */
  readonly budgetSeconds?: number;
  onEpoch?(record: EpochRecord): void;
  onStep?(progress: StepProgress): void;
}

export type StopReason = "completed" | "budget" | "diverged";

export interface TrainResult {
  readonly records: readonly EpochRecord[];
  readonly stopped: StopReason;
  /** Why the run diverged (non-finite loss), with the epoch and step. */
  readonly reason?: string;
  /** Trained parameters and BN running statistics, by name. */
  readonly tensors: Tensors;
  /** Epochs restored from a checkpoint. */
  readonly resumedEpochs: number;
  readonly seconds: number;
}

export class TrainingError extends Error {
  override readonly name = "TrainingError";
}

function checkData(graph: Graph, data: TrainData): void {
  const per = numel(graph.inputShape);
  for (const set of [data.train, data.val]) {
    if (!set) continue;
    if (imageSize(set) !== per)
      throw new TrainingError(
        `${set.name} has ${set.channels}×${set.height}×${set.width} images but the network takes ${graph.inputShape.join("×")}`,
      );
    const classes = graph.nodes[graph.logits]!.shape[0]!;
    if (set.numClasses > classes)
      throw new TrainingError(`${set.name} has ${set.numClasses} classes but the network outputs ${classes}`);
  }
  if (data.train.count < 2) throw new TrainingError("training needs at least 2 images");
}

const argmax = (row: Float32Array, from: number, length: number) => {
  let best = 0;
  for (let k = 1; k < length; k++) if (row[from + k]! > row[from + best]!) best = k;
  return best;
};

/** Mean softmax cross-entropy (hard labels) and accuracy of logits [count, classes]. */
function lossAndAccuracy(
  logits: Float32Array,
  labels: Int32Array,
  from: number,
  count: number,
  classes: number,
) {
  let loss = 0;
  let correct = 0;
  for (let i = 0; i < count; i++) {
    const o = i * classes;
    let max = -Infinity;
    for (let k = 0; k < classes; k++) max = Math.max(max, logits[o + k]!);
    let sum = 0;
    for (let k = 0; k < classes; k++) sum += Math.exp(logits[o + k]! - max);
    const y = labels[from + i]!;
    loss += Math.log(sum) + max - logits[o + y]!;
    if (argmax(logits, o, classes) === y) correct++;
  }
  return { loss, correct };
}

async function evaluate(
  session: EvalSession,
  set: ImageSet,
  tensors: Tensors,
  batch: number,
  classes: number,
) {
  const size = imageSize(set);
  let loss = 0;
  let correct = 0;
  for (let from = 0; from < set.count; from += batch) {
    const count = Math.min(batch, set.count - from);
    const logits = await session.logits(
      set.images.subarray(from * size, (from + count) * size),
      count,
      tensors,
    );
    const r = lossAndAccuracy(logits, set.labels, from, count, classes);
    loss += r.loss;
    correct += r.correct;
  }
  return { loss: loss / set.count, accuracy: correct / set.count };
}

export async function trainNetwork(
  graph: Graph,
  data: TrainData,
  config: TrainConfig,
  control: TrainControl,
): Promise<TrainResult> {
  checkData(graph, data);
  const { run, schedule } = config;
  const optimizer = getOptimizer(config.optimizer.name);
  const classes = graph.nodes[graph.logits]!.shape[0]!;
  const params: Tensors = initWeights(graph, run.init, run.seed, "train");
  const stats = freshRunningStatistics(graph);
  const state: OptimizerState = freshState();
  const records: EpochRecord[] = [];
  let elapsed = 0;
  let resumedEpochs = 0;

  const ckpt = control.checkpoint;
  const stored = ckpt ? readCheckpoint<EpochRecord>(ckpt.file) : undefined;
  if (ckpt && stored) {
    checkIdentity(ckpt.file, stored.identity, ckpt.identity);
    for (const [name, values] of stored.tensors) {
      const target = name.includes(":") ? undefined : (params.get(name) ?? stats.get(name));
      if (target) {
        if (target.length !== values.length)
          throw new TrainingError(`checkpoint tensor ${name} has the wrong size`);
        target.set(values);
      } else state.slots.set(name, values);
    }
    state.step = stored.optimizerStep;
    records.push(...stored.records);
    elapsed = stored.elapsedSeconds;
    resumedEpochs = stored.epoch;
  }

  const all = (): Tensors => new Map([...params, ...stats]);
  const finish = (stopped: StopReason, reason?: string): TrainResult => ({
    records,
    stopped,
    ...(reason !== undefined ? { reason } : {}),
    tensors: all(),
    resumedEpochs,
    seconds: elapsed,
  });
  if (records.length >= run.epochs) return finish("completed");

  const step = await TrainStepSession.create(graph, control.runtime);
  const evaluator = data.val ? await EvalSession.create(graph, control.runtime) : undefined;
  try {
    const train = data.train;
    const size = imageSize(train);
    const spatial = graph.inputShape.length === 3 && train.height > 1 && train.width > 1;
    const shape = [train.channels, train.height, train.width] as const;
    const batch = Math.min(run.batchSize, train.count);
    const steps = Math.ceil(train.count / batch);
    const images = new Float32Array(batch * size);
    const labels = new Float32Array(batch * classes);
    const bns = batchNormNodes(graph);
    const off = run.labelSmoothing / classes;
    const on = 1 - run.labelSmoothing + off;

    for (let epoch = records.length; epoch < run.epochs; epoch++) {
      if (control.budgetSeconds !== undefined && records.length > 0) {
        const mean = elapsed / records.length;
        if (elapsed + mean > control.budgetSeconds) return finish("budget");
      }
      const started = performance.now();
      const order = new Rng(run.seed, "order", epoch).shuffle(
        Array.from({ length: train.count }, (_, i) => i),
      );
      const augmentRng = new Rng(run.seed, "augment", epoch);
      let lossSum = 0;
      let correct = 0;
      let lr = schedule.lr;
      for (let s = 0; s < steps; s++) {
        const indices = order.slice(s * batch, Math.min((s + 1) * batch, train.count));
        const count = indices.length;
        const x = images.subarray(0, count * size);
        if (spatial && (run.cropPadding > 0 || run.flip))
          augmentBatch(
            train.images,
            indices,
            shape,
            { cropPadding: run.cropPadding, flip: run.flip, padValue: data.padValue },
            augmentRng,
            x,
          );
        else gatherBatch(train.images, indices, size, x);
        const y = labels.subarray(0, count * classes);
        y.fill(off);
        for (let i = 0; i < count; i++) y[i * classes + train.labels[indices[i]!]!] = on;

        const result = await step.step(x, count, y, params);
        if (!Number.isFinite(result.loss)) {
          elapsed += (performance.now() - started) / 1000;
          return finish(
            "diverged",
            `loss became ${result.loss} at epoch ${epoch + 1}, step ${s + 1} of ${steps} (lr ${lr.toPrecision(3)})`,
          );
        }
        for (let i = 0; i < count; i++)
          if (argmax(result.logits, i * classes, classes) === train.labels[indices[i]!]) correct++;
        lossSum += result.loss * count;

        // Running statistics as torch.nn.BatchNorm2d: the batch variance enters unbiased.
        for (const bn of bns) {
          const b = result.batchStats.get(bn.name)!;
          const n = count * numel(bn.shape.slice(1));
          const unbias = n > 1 ? n / (n - 1) : 1;
          const rm = stats.get(runningMeanName(bn))!;
          const rv = stats.get(runningVarName(bn))!;
          const m = run.bnMomentum;
          for (let c = 0; c < rm.length; c++) {
            rm[c] = (1 - m) * rm[c]! + m * b.mean[c]!;
            rv[c] = (1 - m) * rv[c]! + m * b.variance[c]! * unbias;
          }
        }
        lr = learningRate(schedule, epoch + s / steps, run.epochs);
        optimizer.step(params, result.grads, lr, state, config.optimizer.options);
        control.onStep?.({
          epoch: epoch + 1,
          step: s + 1,
          steps,
          loss: lossSum / (s * batch + count),
          accuracy: correct / (s * batch + count),
        });
      }
      const trainSeconds = (performance.now() - started) / 1000;
      const val =
        evaluator && data.val
          ? await evaluate(evaluator, data.val, all(), run.evalBatchSize, classes)
          : undefined;
      const seconds = (performance.now() - started) / 1000;
      elapsed += seconds;
      const record: EpochRecord = {
        epoch: epoch + 1,
        train_loss: lossSum / train.count,
        train_accuracy: correct / train.count,
        val_accuracy: val ? val.accuracy : null,
        val_loss: val ? val.loss : null,
        seconds,
        images_per_second: train.count / trainSeconds,
        lr,
      };
      records.push(record);
      if (ckpt)
        writeCheckpoint(ckpt.file, {
          identity: ckpt.identity,
          epoch: records.length,
          optimizerStep: state.step,
          elapsedSeconds: elapsed,
          records,
          tensors: new Map([...all(), ...state.slots]),
        });
      control.onEpoch?.(record);
    }
    return finish("completed");
  } finally {
    await step.release();
    await evaluator?.release();
  }
}
