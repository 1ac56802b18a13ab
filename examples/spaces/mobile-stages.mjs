// An MNAS-like mobile space as a JavaScript module: three stages, each choosing its depth, and per
// stage a kernel size and an expansion ratio for its inverted-residual blocks; a squeeze choice
// (a 1×1 bottleneck before the head) exists only when the last stage is deep (a conditional part).
// nasprobe calls the default export with its declaration API; nothing is imported.
export default ({ declareSpace, oneOf, intRange, list, struct, GraphBuilder }) => {
  const stage = struct({ depth: intRange(1, 2), kernel: oneOf([3, 5]), expansion: oneOf([3, 6]) });
  const widths = [16, 24, 40];

  function invertedResidual(b, x, out, kernel, expansion, stride) {
    const inC = b.shape(x)[0];
    const hidden = inC * expansion;
    let y = b.relu(b.batchNorm(b.conv(x, hidden, 1)));
    y = b.relu(
      b.batchNorm(b.conv(y, hidden, kernel, { stride, padding: Math.floor(kernel / 2), groups: hidden })),
    );
    y = b.batchNorm(b.conv(y, out, 1));
    return stride === 1 && inC === out ? b.add([x, y]) : y;
  }

  return declareSpace({
    name: "mobile-stages",
    description:
      "MNAS-like: 3 stages × (depth 1–2, kernel 3/5, expansion 3/6), optional squeeze when the last stage is deep",
    choices: struct({
      stages: list(3, stage),
      head: oneOf([{ squeeze: false }, { squeeze: true, width: oneOf([64, 128]) }]),
    }),
    // The squeeze part only exists for a deep last stage.
    validate: (arch) =>
      arch.head.squeeze && arch.stages[2].depth < 2
        ? "head.squeeze needs a last stage of depth 2"
        : undefined,
    defaultBuild: { inputShape: [3, 32, 32], numClasses: 10 },
    build(arch, { inputShape, numClasses }) {
      const b = new GraphBuilder(inputShape);
      let x = b.within("stem", () => b.relu(b.batchNorm(b.conv(b.input, 16, 3, { padding: 1 }))));
      arch.stages.forEach((s, i) => {
        for (let l = 0; l < s.depth; l++)
          x = b.within(`s${i}l${l}`, () =>
            invertedResidual(b, x, widths[i], s.kernel, s.expansion, l === 0 && i > 0 ? 2 : 1),
          );
      });
      if (arch.head.squeeze)
        x = b.within("squeeze", () => b.relu(b.batchNorm(b.conv(x, arch.head.width, 1))));
      const features = b.within("head", () => b.globalAvgPool(x));
      return b.build({ features, logits: b.within("head", () => b.linear(features, numClasses)) });
    },
  });
};
