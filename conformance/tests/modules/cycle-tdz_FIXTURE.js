// snapvm conformance fixture (MIT)
import { seen } from './cycle-tdz-b_FIXTURE.js';
export const arrow = () => 'arrow';
export let fnExpr = function () { return 'fnExpr'; };
export default () => 'default';
export function decl() { return 'decl'; }
export var sawInB = seen;
