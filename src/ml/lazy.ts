// onnxruntime-node and onnx-proto load on first use: installing the guest APIs (every `snapvm run`)
// costs nothing until guest code touches a model (loading both takes ~0.15 s of CPU).
import type * as Runtime from './runtime';
import type * as Builder from './builder';
import type * as Onnx from './onnx';
import type * as Partition from './partition';

export const loadRuntime = (): typeof Runtime => require('./runtime');
export const loadBuilder = (): typeof Builder => require('./builder');
export const loadOnnx = (): typeof Onnx => require('./onnx');
export const loadPartition = (): typeof Partition => require('./partition');
