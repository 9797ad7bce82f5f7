// The instruction set, defined once. A stack machine: each frame's `stack` array holds its registers
// (locals the scope analysis kept off the heap) below the operand stack. Operands follow the opcode
// inline in `Code.ops`; `k` operands index `Code.consts`.

export const enum Op {
  // stack
  Undef, Null, True, False, Hole, Const /* k */, Int /* n */, Pop, Dup, Swap, Rot3 /* a b c -> c a b */,
  // registers and environments
  GetReg /* r */, SetReg /* r: pops */, GetRegChecked /* r k(name) */, SetRegChecked /* r k */,
  GetEnv /* depth slot */, SetEnv /* depth slot */, GetEnvChecked /* depth slot k */, SetEnvChecked /* depth slot k */, InitEnv /* depth slot */,
  PushEnv /* k(ScopeDesc) */, PopEnv, CopyEnv,
  GetGlobal /* k */, SetGlobal /* k strict */, TypeofGlobal /* k */,
  GetName /* k */, SetName /* k strict */, TypeofName /* k */, DeleteName /* k */, GetNameWithThis /* k: -> f this */, InitName /* k */,
  DeclareGlobals /* k(list) */, DeclareEvalVars /* k(list) */,
  ThrowConstAssign /* k */,
  // properties
  GetProp /* k */, GetPropKeep /* k: o -> o v */, SetProp /* k: o v -> v */, GetElem, GetElemKeep /* o key -> o v */, SetElem /* o key v -> v */,
  DeleteProp /* k strict */, DeleteElem /* strict */, In, InstanceOf, ToPropertyKey,
  DefineField /* o key v -> o */, DefineMethod /* o key f -> o, kind: 0 method,1 getter,2 setter; enumerable */, CopyDataProps /* o src -> o */,
  SetProtoLiteral /* o v -> o */, SetFunctionName /* f key -> f key, prefix k */,
  GetSuper /* home key this -> v */,
  GetPrivate /* k? pn on stack: o pn -> v */, SetPrivate /* o pn v -> v */, HasPrivate /* pn o -> bool */,
  // operators
  Add, Sub, Mul, Div, Mod, Exp, BitAnd, BitOr, BitXor, Shl, Shr, UShr,
  Eq, Ne, StrictEq, StrictNe, Lt, Le, Gt, Ge,
  Neg, Plus, Not, BitNot, Typeof, Inc, Dec, ToNumeric, ToString,
  // fused: register op constant
  IncReg /* r: statement-level ++ of a register */, DecReg /* r */, GetRegProp /* r k */, GetRegPropKeep /* r k: -> o v */, GetRegPropMethod /* r k: -> f o */, GetPropMethod /* k: o -> f o */, ReturnUndef, SetPropPop /* k: o v -> */, GetReg2 /* r1 r2 */,
  JumpIfNotLt /* t: a b -> ; jump unless a < b */, JumpIfNotLe /* t */, JumpIfNotGt /* t */, JumpIfNotGe /* t */,
  JumpIfNotStrictEq /* t */, JumpIfStrictEq /* t */, JumpIfNotEq /* t */, JumpIfEq /* t */,
  // control
  Jump /* t */, JumpIfFalse /* t */, JumpIfTrue /* t */, JumpIfFalseKeep /* t */, JumpIfTrueKeep /* t */,
  JumpIfNotNullishKeep /* t */, JumpIfUndefined /* t: peeks */,
  Throw, ThrowError /* type k(message) */, Return,
  // calls
  Call /* argc */, TailCall /* argc: a call that replaces the frame */, CallSpread, New /* argc */, NewSpread, SuperCall /* argc */, SuperCallSpread, DirectEval /* argc strict */,
  // functions and classes
  Closure /* k(Code) */, Arguments, This, NewTarget, HomeObject, ActiveFunction,
  MakeClass /* k(ctor Code) hasHeritage: [heritage?] -> proto ctor */,
  NewPrivateName /* k(desc) */, RunFieldInit /* this -> */,
  // iteration
  GetIterator /* obj -> iter */, GetAsyncIterator, IterStep /* t: iter -> iter value | jump with iter */, IterClose /* iter -> */,
  IterValue /* iter -> iter value (done→undefined) */, IterRest /* iter -> iter array */,
  ForInPrepare, ForInStep /* t */,
  ArrayPush /* list v -> list */, ArrayFinish /* list -> guest array */, ArraySpread /* arr iterable -> arr */, ArrayHole /* arr -> arr */, NewArray /* an engine list (host array) */, NewObject,
  RegExpLiteral /* k */, TemplateObject /* k */,
  // generators and async
  GenStart, Yield, Await, Resume /* t(return path): value kind -> value */, YieldStarStep,
  /** Numbers above this belong to the compiler's extended instructions (compiler.ts). */
  Last,
}

/** Number of inline operands each opcode takes (the bytecode verifier, verify.ts, reads it with the compiler's `extOperandCount`). */
export const operandCount: Partial<Record<Op, number>> = {
  [Op.Const]: 1, [Op.Int]: 1,
  [Op.GetReg]: 1, [Op.SetReg]: 1, [Op.GetRegChecked]: 2, [Op.SetRegChecked]: 2, [Op.GetEnv]: 2, [Op.SetEnv]: 2, [Op.GetEnvChecked]: 3, [Op.SetEnvChecked]: 3, [Op.InitEnv]: 2,
  [Op.PushEnv]: 1, [Op.GetGlobal]: 1, [Op.SetGlobal]: 2, [Op.TypeofGlobal]: 1,
  [Op.GetName]: 1, [Op.SetName]: 2, [Op.TypeofName]: 1, [Op.DeleteName]: 1, [Op.GetNameWithThis]: 1, [Op.InitName]: 1,
  [Op.DeclareGlobals]: 1, [Op.DeclareEvalVars]: 1, [Op.ThrowConstAssign]: 1,
  [Op.GetProp]: 1, [Op.GetPropKeep]: 1, [Op.SetProp]: 1, [Op.DeleteProp]: 2, [Op.DeleteElem]: 1,
  [Op.DefineMethod]: 2, [Op.SetFunctionName]: 1,
  [Op.IncReg]: 1, [Op.DecReg]: 1, [Op.GetRegProp]: 2, [Op.GetRegPropKeep]: 2, [Op.GetRegPropMethod]: 2, [Op.GetPropMethod]: 1, [Op.SetPropPop]: 1, [Op.GetReg2]: 2,
  [Op.JumpIfNotLt]: 1, [Op.JumpIfNotLe]: 1, [Op.JumpIfNotGt]: 1, [Op.JumpIfNotGe]: 1,
  [Op.JumpIfNotStrictEq]: 1, [Op.JumpIfStrictEq]: 1, [Op.JumpIfNotEq]: 1, [Op.JumpIfEq]: 1,
  [Op.Jump]: 1, [Op.JumpIfFalse]: 1, [Op.JumpIfTrue]: 1, [Op.JumpIfFalseKeep]: 1, [Op.JumpIfTrueKeep]: 1,
  [Op.JumpIfNotNullishKeep]: 1, [Op.JumpIfUndefined]: 1,
  [Op.ThrowError]: 2,
  [Op.Call]: 1, [Op.TailCall]: 1, [Op.New]: 1, [Op.SuperCall]: 1, [Op.DirectEval]: 2, [Op.Closure]: 1, [Op.MakeClass]: 2, [Op.NewPrivateName]: 1,
  [Op.IterStep]: 1, [Op.ForInStep]: 1, [Op.RegExpLiteral]: 1, [Op.TemplateObject]: 1,
  [Op.Resume]: 1, [Op.YieldStarStep]: 1,
};
