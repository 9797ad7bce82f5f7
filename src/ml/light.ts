// The ML room's light door: what other rooms may import without loading onnxruntime-node or
// onnx-proto (~0.15 s of CPU, and onnxruntime's native library). `snapvm run` and `snapvm serve`
// (cli/main.ts, offload/worker.ts) install the guest APIs from here; the offloading planners are pure
// functions of costs; the heavy parts (sessions, ONNX encoding, partitions, the graph builder) are
// accessors that load their module on first call (`loadRuntime()`…). `index.ts` is the full door: this
// list and the heavy modules' exports (it loads both at once).
export { guestMlServices, edgeMlServices, installedPackageRoots, type GuestMlOptions } from './services';
export { loadRuntime, loadBuilder, loadOnnx, loadPartition } from './lazy';
export {
  planCosts,
  planLatency,
  planBreakdown,
  ionnPlan,
  exactPlan,
  exactPlanFrom,
  exhaustivePlan,
  neurosurgeonPlan,
  ionnUploadOrder,
  efficiencyUploadOrder,
  layerRuns,
  alignToGroups,
  PLANNERS,
  type PlanCosts,
  type LinkState,
  type PlanOptions,
  type ExecutionPlan,
  type Planner,
  type PlanBreakdown,
} from './plan';
export { dagMinCutPlan, dagExhaustivePlan, dagPlanLatency, chainAsDag, dagCostsOf, segmentPlanCosts, placementPlanner, type DagCosts, type DagPlan } from './plan-dag';
