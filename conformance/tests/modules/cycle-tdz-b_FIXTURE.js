// snapvm conformance fixture (MIT)
import defaultArrow, { arrow, fnExpr, decl } from './cycle-tdz_FIXTURE.js';
function probe(read) {
  try {
    return read();
  } catch (e) {
    return e.constructor.name;
  }
}
export const seen = {
  arrow: probe(() => arrow()),
  fnExpr: probe(() => fnExpr()),
  defaultArrow: probe(() => defaultArrow()),
  decl: probe(() => decl()),
};
