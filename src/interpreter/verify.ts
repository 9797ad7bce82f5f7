// The bytecode stack-shape verifier: what a frame of a Code holds at each point where a frame can
// be suspended or captured. Abstract interpretation over the control-flow graph (fall-through,
// jumps, exception edges to the `handlers` table) with one stack-effect rule per instruction,
// written from vm.ts. A slot's kind is a set: a guest value, the TDZ marker, or one engine record
// kind (iterator record, for-in state, engine list, private name, the sp/env pair `TrySave` keeps).
// Paths that meet with a different stack depth or environment nesting are an error of the compiler
// (or of this table): `VerifyError`, loud. The snapshot room verifies lazily on restore (a `Verifier`),
// for the Codes that have frames, and checks every frame against it (restore is typed).
import { Op, operandCount } from './opcodes';
import { ExtOp, extOperandCount, compileLazy } from './compiler';
import type { Code } from './code';
import { ScopeDesc } from './code';

/** Kinds of value a register or operand-stack slot may hold (a bit set). */
export const enum Kind {
  /** A guest value (any value guest code may see; `undefined` included). */
  Value = 1,
  /** The TDZ marker (HOLE). */
  Hole = 2,
  /** An iterator record (GetIterator, GetAsyncIterator). */
  Iterator = 4,
  /** A for-in state (ForInPrepare). */
  ForIn = 8,
  /** An engine list of guest values (NewArray, ArrayPush…; a spread call's argument list). */
  List = 16,
  /** A PrivateName record (a class's `#name`). */
  PrivateName = 32,
  /** The operand-stack height `TrySave` stored for its handler (the exact number is in `savedSp`). */
  SavedSp = 64,
  /** The environment `TrySave` stored for its handler (its nesting is in `savedEnv`). */
  SavedEnv = 128,
}

/** A frame's environment nesting inside its function: the layouts pushed since entry, innermost last ('with' for a with-object environment). */
export type EnvShape = readonly (ScopeDesc | 'with')[];

/** How a frame stopped at a pc, and so what its `sp` must be there ('loop': at a safe point, a loop head or the entry). */
export type ResumeKind = 'loop' | 'call' | 'start' | 'yield' | 'await';

export interface PcShape {
  /** Kind of every register and operand-stack slot in the instruction's in-state (length: absolute sp). */
  readonly kinds: Uint8Array;
  readonly envs: EnvShape;
}

export interface Verified {
  /** In-states at the pcs where a frame can stop (loop heads, after calls, after GenStart/Yield/Await). */
  readonly shapes: Map<number, PcShape>;
  /** The resume kinds valid at each such pc. */
  readonly resume: Map<number, ResumeKind[]>;
  /** Register of a `TrySave` → the sp it stores / the environment nesting it stores. */
  readonly savedSp: Map<number, number>;
  readonly savedEnv: Map<number, EnvShape>;
  /** Each function this code creates (Closure, MakeClass) → the environment nestings it is created in. */
  readonly creates: Map<Code, EnvShape[]>;
}

export class VerifyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VerifyError';
  }
}

/** Number of inline operands of every instruction (opcodes.ts's table for Op, the compiler's for ExtOp). */
function operands(op: number): number {
  return operandCount[op as Op] ?? extOperandCount[op as ExtOp] ?? 0;
}

/** Instructions with a jump target operand (the first). */
function isJump(op: number): boolean {
  switch (op) {
    case Op.Jump:
    case Op.JumpIfFalse:
    case Op.JumpIfTrue:
    case Op.JumpIfFalseKeep:
    case Op.JumpIfTrueKeep:
    case Op.JumpIfNotNullishKeep:
    case Op.JumpIfUndefined:
    case ExtOp.JumpIfNullish:
    case ExtOp.JumpIfNotNullishPop:
    case ExtOp.JumpIfNullishPop:
    case Op.JumpIfNotLt:
    case Op.JumpIfNotLe:
    case Op.JumpIfNotGt:
    case Op.JumpIfNotGe:
    case Op.JumpIfNotStrictEq:
    case Op.JumpIfStrictEq:
    case ExtOp.JumpIfNotLtInt:
    case ExtOp.JumpIfNotLeInt:
    case ExtOp.JumpIfNotGtInt:
    case ExtOp.JumpIfNotGeInt:
    case Op.JumpIfNotEq:
    case Op.JumpIfEq:
    case Op.IterStep:
    case Op.ForInStep:
    case ExtOp.AsyncIterStep:
    case Op.Resume:
    case ExtOp.UsingDispose:
    case ExtOp.AsyncIterClose:
      return true;
    default:
      return false;
  }
}

/** Instructions after which control does not fall through. */
function isTerminal(op: number): boolean {
  switch (op) {
    case Op.Jump:
    case Op.Throw:
    case Op.ThrowError:
    case Op.ThrowConstAssign:
    case ExtOp.IterCloseThrow:
    case ExtOp.AsyncIterCloseThrow:
    case Op.Return:
    case Op.ReturnUndef:
      return true;
    default:
      return false;
  }
}

/** Instructions after which a frame waits for a callee frame (a caller in a running chain). */
function isCallOp(op: number): boolean {
  return op === Op.Call || op === Op.TailCall || op === Op.CallSpread || op === Op.New || op === Op.NewSpread || op === Op.SuperCall || op === Op.SuperCallSpread || op === ExtOp.DefaultDerivedCtor;
}

interface State {
  kinds: number[];
  envs: EnvShape;
}

const sameEnvs = (a: EnvShape, b: EnvShape) => a.length === b.length && a.every((d, i) => d === b[i]);

function describeCode(code: Code): string {
  return `${code.name || code.kind} (${code.file})`;
}

/** `envs` and one more (a copy: no spread, which steps an iterator once iterators.ts has cleared V8's array-iteration protector). */
function pushed(envs: EnvShape, e: EnvShape[number]): EnvShape {
  const out = envs.slice();
  out.push(e);
  return out;
}

/** The environment nesting after an instruction: PushEnv, PushWith and PopEnv change it, no other does. */
function envsAfter(op: number, a: number, envs: EnvShape, consts: readonly unknown[], fail: (what: string) => never): EnvShape {
  switch (op) {
    case Op.PushEnv: {
      const d = consts[a];
      if (!(d instanceof ScopeDesc)) return fail('PushEnv of something that is not a scope layout');
      return pushed(envs, d);
    }
    case ExtOp.PushWith:
      return pushed(envs, 'with');
    case Op.PopEnv:
      if (!envs.length) fail('PopEnv of an environment the function did not push');
      return envs.slice(0, -1);
    default:
      return envs;
  }
}

/** Note that the function `c` (a Closure's or MakeClass's code) is created in the environment nesting `envs`. */
function noteCreation(creates: Map<Code, EnvShape[]>, c: Code, envs: EnvShape): void {
  const l = creates.get(c);
  if (!l) creates.set(c, [envs]);
  else if (!l.some((x) => sameEnvs(x, envs))) l.push(envs);
}

/** Abstract interpretation of one Code. Throws VerifyError when the compiler's output has no single shape somewhere. */
function analyse(code: Code): Verified {
  compileLazy(code); // the shapes are the bytecode's: a restored frame of a lazy Code gets it first
  const ops = code.ops;
  const consts = code.consts;
  const n = ops.length;
  const fail = (pc: number, what: string): never => {
    throw new VerifyError(`bytecode verifier: ${describeCode(code)} at pc ${pc}: ${what}`);
  };
  const isPrivateName = (k: number) => typeof consts[k] === 'string' && (consts[k] as string).startsWith('#');
  // which pcs start instructions, which are jump targets (leaders), which follow a call/suspension
  const starts = new Uint8Array(n + 1);
  const leader = new Uint8Array(n + 1);
  const resume = new Map<number, ResumeKind[]>();
  const addResume = (pc: number, k: ResumeKind) => {
    const l = resume.get(pc);
    if (l) l.includes(k) || l.push(k);
    else resume.set(pc, [k]);
    leader[pc] = 1;
  };
  leader[0] = 1;
  // the function's entry is a safe point (VM.run, for a guest function the loop called), like a loop head
  addResume(0, 'loop');
  for (let pc = 0; pc < n; ) {
    starts[pc] = 1;
    const op = ops[pc]!;
    const next = pc + 1 + operands(op);
    if (next > n) fail(pc, `instruction ${op} runs past the end`);
    if (isJump(op)) {
      if (op === Op.Jump && ops[pc + 1]! < pc) addResume(ops[pc + 1]!, 'loop');
      leader[ops[pc + 1]!] = 1;
      leader[next] = 1;
    }
    switch (op) {
      case Op.GenStart:
        addResume(next, 'start');
        break;
      case Op.Yield:
      case ExtOp.YieldRaw:
        addResume(next, 'yield');
        break;
      case Op.Await:
        addResume(next, 'await');
        break;
      default:
        if (isCallOp(op)) addResume(next, 'call');
    }
    pc = next;
  }
  const h = code.handlers;
  for (let i = 0; i < h.length; i += 4) leader[h[i + 2]!] = 1;

  const states = new Map<number, State>();
  const savedSp = new Map<number, number>();
  const savedEnv = new Map<number, EnvShape>();
  const creates = new Map<Code, EnvShape[]>();
  const work: number[] = [];
  const queued = new Set<number>();
  const join = (from: number, pc: number, s: State) => {
    if (pc < 0 || pc >= n || !starts[pc]) fail(from, `a jump to ${pc}, which is not an instruction`);
    const old = states.get(pc);
    if (!old) {
      states.set(pc, { kinds: s.kinds.slice(), envs: s.envs });
    } else {
      if (old.kinds.length !== s.kinds.length) fail(pc, `paths meet with stack heights ${old.kinds.length} and ${s.kinds.length} (from ${from})`);
      if (!sameEnvs(old.envs, s.envs)) fail(pc, `paths meet with different environment nesting (from ${from})`);
      let changed = false;
      for (let i = 0; i < s.kinds.length; i++) {
        const k = old.kinds[i]! | s.kinds[i]!;
        if (k !== old.kinds[i]) (old.kinds[i] = k), (changed = true);
      }
      if (!changed) return;
    }
    if (!queued.has(pc)) queued.add(pc), work.push(pc);
  };

  /** The handler an exception at pc goes to (the VM takes the first matching entry). */
  const handlerAt = (pc: number): number => {
    for (let i = 0; i < h.length; i += 4) if (pc >= h[i]! && pc < h[i + 1]!) return i;
    return -1;
  };
  const throwEdge = (pc: number, s: State) => {
    const i = handlerAt(pc);
    if (i < 0) return;
    const r = h[i + 3]!;
    const depth = savedSp.get(r);
    const envs = savedEnv.get(r);
    if (depth === undefined || envs === undefined) return fail(pc, `handler register ${r} is used before its TrySave`);
    if (depth > s.kinds.length) fail(pc, `a handler restores sp ${depth} above the stack (${s.kinds.length})`);
    const kinds = s.kinds.slice(0, depth);
    kinds.push(Kind.Value);
    join(pc, h[i + 2]!, { kinds, envs });
  };

  // the entry state: registers hold undefined (parameters guest values); a derived constructor's `this` register starts in TDZ
  const entry: number[] = [];
  for (let i = 0; i < code.nregs; i++) entry.push(Kind.Value);
  if (code.thisReg >= 0) entry[code.thisReg] = Kind.Value | Kind.Hole;
  join(0, 0, { kinds: entry, envs: [] });

  while (work.length) {
    let pc = work.pop()!;
    queued.delete(pc);
    const st = states.get(pc)!;
    const k = st.kinds.slice();
    let envs = st.envs;
    // run the block from pc to its end
    for (;;) {
      const op = ops[pc]!;
      const a = ops[pc + 1]!;
      const b = ops[pc + 2]!;
      const next = pc + 1 + operands(op);
      const at = pc;
      const pop = (): number => {
        if (k.length <= code.nregs) fail(at, 'the operand stack underflows');
        return k.pop()!;
      };
      const popN = (m: number) => {
        for (let i = 0; i < m; i++) pop();
      };
      const peek = (d = 1): number => {
        if (k.length - d < code.nregs) fail(at, 'the operand stack underflows');
        return k[k.length - d]!;
      };
      const reg = (r: number): number => {
        if (r < 0 || r >= code.nregs) fail(at, `register ${r} out of range`);
        return k[r]!;
      };
      const setReg = (r: number, v: number) => {
        reg(r);
        k[r] = v;
      };
      const push = (v: number) => k.push(v);
      throwEdge(pc, { kinds: k, envs });
      let fallsThrough = true;
      switch (op) {
        case Op.Closure:
          noteCreation(creates, consts[a] as Code, envs);
          push(Kind.Value);
          break;
        case Op.Undef:
        case Op.Null:
        case Op.True:
        case Op.False:
        case Op.Const:
        case Op.Int:
        case Op.GetEnv:
        case Op.GetGlobal:
        case Op.TypeofGlobal:
        case Op.TypeofName:
        case Op.DeleteName:
        case Op.GetRegProp:
        case Op.Arguments:
        case Op.This:
        case Op.NewTarget:
        case Op.HomeObject:
        case Op.ActiveFunction:
        case Op.NewObject:
        case Op.RegExpLiteral:
        case Op.TemplateObject:
        case ExtOp.Arg:
        case ExtOp.Rest:
        case ExtOp.ImportMeta:
        case ExtOp.GlobalThis:
        case ExtOp.GetImport:
        case ExtOp.MappedArguments:
        case ExtOp.MappedGet:
        case ExtOp.GetNameRef:
          push(Kind.Value);
          break;
        case ExtOp.ResolveNameRef:
        case ExtOp.ResolveGlobalRef:
          setReg(b, Kind.Value);
          break;
        case ExtOp.SetNameRef:
          pop();
          break;
        case Op.Hole:
          push(Kind.Hole);
          break;
        case Op.NewArray:
          push(Kind.List);
          break;
        case Op.NewPrivateName:
          push(Kind.PrivateName);
          break;
        // `f.apply(t, arguments)`: the frame's own argument list (an engine list) or the arguments object
        case ExtOp.ApplyArguments:
          push(Kind.Value | Kind.List);
          break;
        case Op.Pop:
          pop();
          break;
        case Op.Dup:
          push(peek());
          break;
        case Op.Swap: {
          const x = pop(),
            y = pop();
          push(x), push(y);
          break;
        }
        case Op.Rot3: {
          const c = pop(),
            bb = pop(),
            aa = pop();
          push(c), push(aa), push(bb);
          break;
        }
        case Op.GetReg:
          push(reg(a));
          break;
        case Op.GetReg2:
          push(reg(a)), push(reg(b));
          break;
        case ExtOp.GetRegElem:
          push(Kind.Value);
          break;
        case ExtOp.AddInt:
        case ExtOp.SubInt:
        case ExtOp.MulInt:
        case ExtOp.BitAndInt:
        case ExtOp.BitOrInt:
        case ExtOp.ShlInt:
        case ExtOp.ShrInt:
        case ExtOp.UShrInt:
          pop();
          push(Kind.Value);
          break;
        case Op.GetRegChecked:
          push(reg(a) & ~Kind.Hole || Kind.Value);
          break; // a HOLE throws
        case Op.SetReg:
        case Op.SetRegChecked:
        case ExtOp.BindThisReg:
          setReg(a, pop());
          break;
        case Op.IncReg:
        case Op.DecReg:
          setReg(a, Kind.Value);
          break;
        case ExtOp.PostIncReg:
        case ExtOp.PostDecReg:
        case ExtOp.PreIncReg:
        case ExtOp.PreDecReg:
          setReg(a, Kind.Value);
          push(Kind.Value);
          break;
        case Op.GetEnvChecked:
          push(isPrivateName(ops[pc + 3]!) ? Kind.PrivateName : Kind.Value);
          break;
        case Op.GetName:
          push(isPrivateName(a) ? Kind.PrivateName : Kind.Value);
          break;
        case Op.GetNameWithThis:
          push(Kind.Value), push(Kind.Value);
          break;
        case Op.SetEnv:
        case Op.InitEnv:
        case Op.SetEnvChecked:
        case Op.SetGlobal:
        case Op.SetName:
        case Op.InitName:
        case ExtOp.BindThisEnv:
        case ExtOp.BindThisDynamic:
        case ExtOp.MappedSet:
        case Op.SetPropPop:
        case Op.IterClose:
        case ExtOp.AsyncIterCloseResult:
          pop();
          if (op === Op.SetPropPop) pop();
          break;
        case ExtOp.PushWith:
        case Op.PushEnv:
        case Op.PopEnv:
          if (op === ExtOp.PushWith) pop(); // (its object)
          envs = envsAfter(op, a, envs, consts, (what) => fail(pc, what));
          break;
        case Op.CopyEnv:
        case Op.DeclareGlobals:
        case Op.DeclareEvalVars:
        case Op.SetFunctionName:
        case ExtOp.RequireObjectCoercible:
        case ExtOp.ClassFinish:
          break;
        case ExtOp.TrySave: {
          const depth = k.length;
          const old = savedSp.get(a);
          if ((old !== undefined && old !== depth) || (savedEnv.has(a) && !sameEnvs(savedEnv.get(a)!, envs))) fail(pc, `register ${a} saves two different handler states`);
          savedSp.set(a, depth);
          savedEnv.set(a, envs);
          setReg(a, Kind.SavedSp);
          setReg(a + 1, Kind.SavedEnv);
          break;
        }
        case Op.GetProp:
        case Op.DeleteProp:
        case Op.ToPropertyKey:
        case Op.Neg:
        case Op.Plus:
        case Op.Not:
        case Op.BitNot:
        case Op.Typeof:
        case Op.Inc:
        case Op.Dec:
        case Op.ToNumeric:
        case Op.ToString:
        case ExtOp.IsNullish:
        case ExtOp.IsNotNullish:
        case ExtOp.RefKey:
        case ExtOp.SuperBase:
          pop();
          push(Kind.Value);
          break;
        case Op.GetPropKeep:
          push(Kind.Value);
          break; // o -> o v
        case Op.GetPropMethod: {
          const o = pop();
          push(Kind.Value), push(o);
          break;
        } // o -> f o
        case Op.GetRegPropKeep:
          push(reg(a)), push(Kind.Value);
          break;
        case Op.GetRegPropMethod:
          push(Kind.Value), push(reg(a));
          break;
        case Op.SetProp:
        case Op.GetElem:
        case Op.DeleteElem:
        case Op.In:
        case Op.InstanceOf:
        case Op.GetPrivate:
        case Op.HasPrivate:
        case ExtOp.DynamicImport:
        case Op.Add:
        case Op.Sub:
        case Op.Mul:
        case Op.Div:
        case Op.Mod:
        case Op.Exp:
        case Op.BitAnd:
        case Op.BitOr:
        case Op.BitXor:
        case Op.Shl:
        case Op.Shr:
        case Op.UShr:
        case Op.Eq:
        case Op.Ne:
        case Op.StrictEq:
        case Op.StrictNe:
        case Op.Lt:
        case Op.Le:
        case Op.Gt:
        case Op.Ge:
          popN(2);
          push(Kind.Value);
          break;
        case Op.GetElemKeep:
          pop();
          push(Kind.Value);
          break; // o key -> o v
        case Op.SetElem:
        case ExtOp.SetElemRaw:
        case Op.SetPrivate:
          popN(3);
          push(Kind.Value);
          break;
        case ExtOp.SetElemPop:
          popN(3);
          break;
        case Op.DefineField:
        case Op.DefineMethod:
          popN(2);
          break; // o key v -> o
        case Op.CopyDataProps:
        case Op.SetProtoLiteral:
          pop();
          break; // o src -> o
        case ExtOp.ObjectRest:
          popN(2);
          push(Kind.Value);
          break; // src excluded(list) -> target
        case Op.GetSuper:
          popN(3);
          push(Kind.Value);
          break;
        case ExtOp.SetSuperRef:
          popN(4);
          push(Kind.Value);
          break;
        case ExtOp.GetSuperRef:
          popN(3);
          push(Kind.Value);
          break;
        case ExtOp.IsEvalCallee:
          push(Kind.Value);
          break;
        case Op.RunFieldInit:
          popN(2);
          break;
        case ExtOp.ClassElement:
          reg(b), popN(3);
          break; // kind ctorReg: target key init ->
        case ExtOp.DefinePrivateMethod:
          reg(ops[pc + 3]!), popN(2);
          break; // kind static ctorReg: target pn f -> target
        case Op.MakeClass:
          noteCreation(creates, consts[a] as Code, envs);
          if (b === 1) pop();
          push(Kind.Value), push(Kind.Value);
          break;
        case Op.Call:
        case Op.TailCall:
          popN(a + 2);
          push(Kind.Value);
          break;
        case Op.New:
          popN(a + 1);
          push(Kind.Value);
          break;
        case Op.SuperCall:
          popN(a + 2);
          push(Kind.Value);
          break;
        case Op.DirectEval:
          popN(a + 2);
          push(Kind.Value);
          break;
        case Op.CallSpread:
        case Op.SuperCallSpread:
        case ExtOp.DirectEvalSpread:
          popN(3);
          push(Kind.Value);
          break;
        case Op.NewSpread:
          popN(2);
          push(Kind.Value);
          break;
        case ExtOp.DefaultDerivedCtor:
          push(Kind.Value);
          break;
        case Op.ArrayPush:
        case Op.ArraySpread:
          pop();
          break; // list v -> list
        case Op.ArrayHole:
          break;
        case Op.ArrayFinish:
          pop();
          push(Kind.Value);
          break;
        case Op.GetIterator:
        case Op.GetAsyncIterator:
          pop();
          push(Kind.Iterator);
          break;
        case Op.IterValue:
        case Op.IterRest:
        case ExtOp.AsyncIterNext:
          pop();
          push(Kind.Value);
          break;
        case Op.ForInPrepare:
          pop();
          push(Kind.ForIn);
          break;
        // (async: the mode, then the result to await; sync: the result, then the flag)
        case Op.YieldStarStep:
          popN(3);
          push(Kind.Value);
          push(Kind.Value);
          break;
        case ExtOp.YieldStarCheck:
          popN(2);
          push(Kind.Value), push(Kind.Value);
          break;
        case Op.GenStart:
          break;
        // a suspension: the value leaves; the resumer pushes the value sent in and the resume mode
        case Op.Yield:
        case ExtOp.YieldRaw:
        case Op.Await:
          pop();
          push(Kind.Value), push(Kind.Value);
          break;
        // branches
        case Op.Jump:
          join(pc, a, { kinds: k, envs });
          fallsThrough = false;
          break;
        case Op.JumpIfFalse:
        case Op.JumpIfTrue:
        case ExtOp.JumpIfNotNullishPop:
        case ExtOp.JumpIfNullishPop:
        case ExtOp.JumpIfNotLtInt:
        case ExtOp.JumpIfNotLeInt:
        case ExtOp.JumpIfNotGtInt:
        case ExtOp.JumpIfNotGeInt:
          pop();
          join(pc, a, { kinds: k, envs });
          break;
        case Op.JumpIfNotLt:
        case Op.JumpIfNotLe:
        case Op.JumpIfNotGt:
        case Op.JumpIfNotGe:
        case Op.JumpIfNotStrictEq:
        case Op.JumpIfStrictEq:
        case Op.JumpIfNotEq:
        case Op.JumpIfEq:
          popN(2);
          join(pc, a, { kinds: k, envs });
          break;
        case Op.JumpIfFalseKeep:
        case Op.JumpIfTrueKeep:
        case Op.JumpIfNotNullishKeep:
        case Op.JumpIfUndefined:
        case ExtOp.JumpIfNullish:
          peek();
          join(pc, a, { kinds: k, envs });
          break;
        case Op.IterStep:
        case Op.ForInStep:
        case ExtOp.AsyncIterStep: {
          const it = pop();
          const want = op === Op.IterStep ? Kind.Iterator : op === Op.ForInStep ? Kind.ForIn : Kind.Value;
          if (it !== want) fail(pc, `a step over a slot of kinds ${it}`);
          join(pc, a, { kinds: k, envs }); // done: nothing pushed
          push(Kind.Value);
          break;
        }
        case Op.Resume:
          pop();
          join(pc, a, { kinds: k, envs });
          break; // value mode -> value (normal: jump; return: next)
        // a `using` list: its registers b..b+2 are guest values; done: jump, else a value to await
        case ExtOp.UsingDispose: {
          for (let i = 0; i < 3; i++) setReg(b + i, Kind.Value);
          join(pc, a, { kinds: k, envs });
          push(Kind.Value);
          break;
        }
        // no `return` method: jump with nothing pushed, else its result to await
        case ExtOp.AsyncIterClose:
          pop();
          join(pc, a, { kinds: k, envs });
          push(Kind.Value);
          break;
        case ExtOp.UsingAdd:
          peek();
          setReg(a, Kind.Value);
          break;
        case ExtOp.UsingJoin:
          pop();
          setReg(a + 1, Kind.Value);
          setReg(a + 2, Kind.Value);
          break;
        case Op.Throw:
        case Op.ThrowError:
        case Op.ThrowConstAssign:
        case ExtOp.IterCloseThrow:
        case ExtOp.AsyncIterCloseThrow:
        case Op.Return:
        case Op.ReturnUndef:
          fallsThrough = false;
          break;
        default:
          fail(pc, `unknown instruction ${op}`);
      }
      if (!fallsThrough) break;
      if (next >= n) fail(pc, 'the code runs past its end');
      pc = next;
      if (leader[pc]) {
        join(at, pc, { kinds: k, envs });
        break;
      }
    }
  }

  const shapes = new Map<number, PcShape>();
  for (const pc of resume.keys()) {
    const s = states.get(pc);
    if (s) shapes.set(pc, { kinds: Uint8Array.from(s.kinds), envs: s.envs });
  }
  for (const pc of [...resume.keys()]) if (!shapes.has(pc)) resume.delete(pc); // unreachable
  return { shapes, resume, savedSp, savedEnv, creates };
}

/**
 * Where a code creates each of its functions: the environment nesting at each Closure/MakeClass.
 * The control-flow walk of `analyse` reduced to environments (no slot kinds; the same `envsAfter` and
 * `noteCreation` steps): cheap enough to run for every code that has closures in a snapshot.
 */
function creations(code: Code): Map<Code, EnvShape[]> {
  compileLazy(code);
  const ops = code.ops;
  const consts = code.consts;
  const n = ops.length;
  const h = code.handlers;
  const fail = (pc: number, what: string): never => {
    throw new VerifyError(`bytecode verifier: ${describeCode(code)} at pc ${pc}: ${what}`);
  };
  const states = new Map<number, EnvShape>();
  const savedEnv = new Map<number, EnvShape>();
  const creates = new Map<Code, EnvShape[]>();
  const work: number[] = [];
  const join = (pc: number, envs: EnvShape) => {
    const old = states.get(pc);
    if (old === undefined) {
      states.set(pc, envs);
      work.push(pc);
    } else if (!sameEnvs(old, envs)) fail(pc, 'paths meet with different environment nesting');
  };
  join(0, []);
  while (work.length) {
    let pc = work.pop()!;
    let envs = states.get(pc)!;
    for (;;) {
      if (pc < 0 || pc >= n) fail(pc, 'the code runs past its end');
      const op = ops[pc]!;
      const a = ops[pc + 1]!;
      for (let i = 0; i < h.length; i += 4) {
        if (pc >= h[i]! && pc < h[i + 1]!) {
          const saved = savedEnv.get(h[i + 3]!);
          if (saved !== undefined) join(h[i + 2]!, saved);
          break;
        }
      }
      envs = envsAfter(op, a, envs, consts, (what) => fail(pc, what));
      if (op === ExtOp.TrySave) savedEnv.set(a, envs);
      else if (op === Op.Closure || op === Op.MakeClass) noteCreation(creates, consts[a] as Code, envs);
      if (isJump(op)) join(a, envs);
      if (isTerminal(op)) break;
      pc += 1 + operands(op);
      if (states.has(pc) && sameEnvs(states.get(pc)!, envs)) break;
      if (states.has(pc)) fail(pc, 'paths meet with different environment nesting');
      states.set(pc, envs);
    }
  }
  return creates;
}

/** The verified shapes of a Code, computed on first use and kept per Code (a WeakMap per engine's caller). */
export class Verifier {
  private readonly cache = new WeakMap<Code, Verified>();
  private readonly creationCache = new WeakMap<Code, Map<Code, EnvShape[]>>();
  verify(code: Code): Verified {
    let v = this.cache.get(code);
    if (!v) {
      v = analyse(code);
      this.cache.set(code, v);
    }
    return v;
  }
  /** The environment nestings each function of `code` is created in (environments only: light). */
  creates(code: Code): Map<Code, EnvShape[]> {
    let c = this.cache.get(code)?.creates ?? this.creationCache.get(code);
    if (!c) {
      c = sharedCreations(code);
      this.creationCache.set(code, c);
    }
    return c;
  }
}

/**
 * `creations` once per bytecode in the process: the Codes that replay one compiled body (bodies.ts)
 * share its `ops` and have its constants at the same indexes, so the result is kept by `ops` with
 * functions and layouts as constant indexes, and read again through each Code's own constants.
 */
const creationsByOps = new WeakMap<Int32Array, [number, (number | 'with')[][]][]>();
function sharedCreations(code: Code): Map<Code, EnvShape[]> {
  compileLazy(code);
  const consts = code.consts;
  const known = creationsByOps.get(code.ops);
  if (known) {
    const out = new Map<Code, EnvShape[]>();
    for (const [ci, shapes] of known)
      out.set(
        consts[ci] as Code,
        shapes.map((s) => s.map((d) => (d === 'with' ? d : (consts[d] as ScopeDesc)))),
      );
    return out;
  }
  const c = creations(code);
  const index = new Map<unknown, number>();
  consts.forEach((k, i) => {
    if (typeof k === 'object' && k !== null && !index.has(k)) index.set(k, i);
  });
  const rec: [number, (number | 'with')[][]][] = [];
  for (const [child, shapes] of c) {
    const ci = index.get(child);
    const s = shapes.map((shape) => shape.map((d) => (d === 'with' ? d : (index.get(d) ?? -1))));
    // (a function or layout that is no constant of the code: not kept)
    if (ci === undefined || s.some((shape) => shape.includes(-1))) return c;
    rec.push([ci, s]);
  }
  if (code.ops.length) creationsByOps.set(code.ops, rec);
  return c;
}

/** Verify one Code (uncached): for tests and tools that check the compiler's output. */
export function verifyCode(code: Code): Verified {
  return analyse(code);
}

/** The environment nestings each function of `code` is created in (uncached; for tests). */
export function creationsOf(code: Code): Map<Code, EnvShape[]> {
  return creations(code);
}
