// The ML room's door: ONNX building, the model zoo, layer partitions, profiles and onnxruntime-node
// sessions. Other rooms import only from here (or from the light door, light.ts, whose list this one
// takes whole and adds the heavy modules to).
export * from './light';
export { onnx, DataType, contentHash, encodeModel, decodeModel, elementBytes, floatTensor, int64Tensor, floatData, tensorBytes, valueInfo, describeValue, type Model } from './onnx';
export { GraphBuilder, float, floats, type AttributeValue, type NodeOptions } from './builder';
export { parsePrototxt, type TextMessage } from './prototxt';
export { caffeToOnnx, SeededRandom, type CaffeModel, type CaffeLayerInfo, type CaffeOptions } from './caffe';
export { CAFFE_ZOO, caffeZooNames, caffeZooModel, zooModel, ionnProfilesDir, OCR_MODELS, ocrModel, ocrModelPath, type CaffeZooName, type OcrModelName } from './zoo';
export {
  layerChain,
  layerKey,
  splitModel,
  subModel,
  joinPieces,
  withBoundaryOutputs,
  layerGraph,
  graphLayerModel,
  segmentChain,
  type ChainLayer,
  type LayerChain,
  type GraphLayer,
  type LayerGraph,
} from './partition';
export { profileChain, readIonnProfile, addIonnTimes, addIonnDeviceProfiles, formatIonnProfile, type LayerProfile, type LayerProfileEntry, type ProfileOptions } from './profile';
export { ort, NO_EXTERNAL_DATA, createSession, patternInput, compareOutputs, timeRuns, type Device, type SessionChoice } from './runtime';
export { ortService, type OrtServiceOptions, type SessionRunner } from './ort-guest';
export { webnnService, type WebnnServiceOptions } from './webnn';
