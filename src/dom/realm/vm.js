// 'vm': happy-dom never compiles code here. snapvm runs page scripts and on* attributes in its own
// engine (the window's evaluateScript is replaced by the DOM room), and the window is never contextified.
export class Script {
  constructor(code) {
    this.code = code;
  }
  runInContext() {
    throw new Error('happy-dom script evaluation is not used in snapvm');
  }
}
export function isContext() {
  return true;
}
export function createContext(o) {
  return o;
}
export default { Script, isContext, createContext };
