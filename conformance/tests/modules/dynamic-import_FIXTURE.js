// snapvm conformance fixture (MIT)
globalThis.dynamicEvaluations = (globalThis.dynamicEvaluations || 0) + 1;
export const answer = 42;
export default 'dynamic default';
