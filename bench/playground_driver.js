// Trains TensorFlow Playground's engine (its nn.ts, compiled to CommonJS) the way its page
// does, for bench/bench_playground.py: every sample through forwardProp and backProp with the
// square error, an update after each `batch` samples, and after each epoch the mean loss over
// the training data. The page's own loop lives in its playground.ts; this file is written for
// the benchmark and carries none of Playground's code.
//
//   node playground_driver.js NN_JS DATA_JSON
//
// DATA_JSON: {"inputs": [[x1, x2], ...], "targets": [t, ...]}. Each line on stdin is a round,
// {"width": 8, "epochs": 40, "batch": 10, "learning_rate": 0.03}; each answer is one line,
// {"ms": wall-clock time to build and train the network, "cpu_ms": the CPU time node spent
// meanwhile (its compiler and garbage collector threads included), "loss": the last epoch's
// mean loss}.
"use strict";

const fs = require("fs");
const readline = require("readline");

const nn = require(process.argv[2]);
const data = JSON.parse(fs.readFileSync(process.argv[3], "utf8"));
const inputs = data.inputs;
const targets = data.targets;
const inputIds = inputs[0].map((_, i) => `x${i + 1}`);

function train(width, epochs, batch, learningRate) {
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const tanh = nn.Activations.TANH;
  const network = nn.buildNetwork([inputs[0].length, width, width, 1], tanh, tanh, null, inputIds, false);
  const square = nn.Errors.SQUARE;
  let loss = NaN;
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = 0; i < inputs.length; i++) {
      nn.forwardProp(network, inputs[i]);
      nn.backProp(network, targets[i], square);
      if ((i + 1) % batch === 0) {
        nn.updateWeights(network, learningRate, 0);
      }
    }
    let total = 0;
    for (let i = 0; i < inputs.length; i++) {
      total += square.error(nn.forwardProp(network, inputs[i]), targets[i]);
    }
    loss = total / inputs.length;
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const used = process.cpuUsage(cpu);
  return { ms, cpu_ms: (used.user + used.system) / 1000, loss };
}

const lines = readline.createInterface({ input: process.stdin });
lines.on("line", (line) => {
  const round = JSON.parse(line);
  const answer = train(round.width, round.epochs, round.batch, round.learning_rate);
  process.stdout.write(JSON.stringify(answer) + "\n");
});
