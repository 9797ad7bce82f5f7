#!/usr/bin/env node
// How long planning ResNet-50's final plan over its full 228-layer Caffe DAG takes (DADS min-cut,
// src/ml/plan-dag.ts), in a process that holds only that DAG: building the costs for a link, the cut,
// and both, median ms of 50 calls after 5 warm-up calls. (Inside sim.js, a process that also holds
// the zoo models' seeded weights, the same calls pay for that heap's garbage collection.)
//
//   npm run build && node bench/ionn/plan-time.js [--model resnet50] [--mbps 40]
'use strict';
const os = require('node:os');
const sim = require('./sim.js');

const ml = require('../../dist/src/ml/index.js');
const model = sim.opt('model', 'resnet50');
const link = { bandwidth: (Number(sim.opt('mbps', '40')) * 1e6) / 8, rttMs: 1 };
const dag = sim.zooDag(model);
const time = (f) => sim.time(f, 50);
const costs = dag.costs(link);
const plan = ml.dagMinCutPlan(costs);
console.log(
  `${model}: ${dag.graph.layers.length} DAG layers, ${costs.tensors.length} tensors; min-cut ${plan.latencyMs.toFixed(2)} ms with ${plan.onServer.filter(Boolean).length} layers on the server at ${link.bandwidth * 8e-6} Mbps`,
);
console.log(
  `median ms per call (load average ${os.loadavg()[0].toFixed(2)} on ${os.cpus().length} CPUs): costs ${time(() => dag.costs(link)).toFixed(2)}, cut ${time(() => ml.dagMinCutPlan(costs)).toFixed(2)}, costs + cut ${time(() => ml.dagMinCutPlan(dag.costs(link))).toFixed(2)}`,
);
