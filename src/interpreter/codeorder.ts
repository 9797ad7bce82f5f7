// The Codes of a compile unit, found before any body is compiled: one per function, method, class
// constructor, field initializer and static block, in the pre-order the compiler creates them (a
// parent before its children, children in the order the parent's bytecode makes them). That index
// names a function across engines (snapshots), so it must not depend on which bodies have been
// compiled: with lazy compilation a body gets bytecode on its first call, and its children's Codes
// exist (as uncompiled shells) from the start. test/lazy-compile.test.ts checks this order against
// the order a full compile puts the Codes in its constants, on real programs.
import { type Code, CodeFlag, type SourceFile } from './code';
import type { Analysis, Node, Scope } from './scope';
import type { CompileOptions } from './compiler';
import type { BodyRecipe } from './bodies';

/**
 * A unit's analysis as one engine compiles it. The compiler writes register, slot and layout assignments
 * onto Scope/Decl records, so an engine compiles against a fork of the shared analysis (units.ts) — made
 * at its first real compile: until then the unit's bodies were replayed (bodies.ts), whose writes wait here
 * and are applied to the fork when it is made.
 */
export class UnitAnalysis {
  private forked: Analysis | null = null;
  private readonly pending: ((a: Analysis) => void)[] = [];
  constructor(
    /** The shared analysis: read-only (what no compile writes, such as strictness). */
    readonly shared: Analysis,
  ) {}

  /** This engine's fork, with every write so far. */
  get(): Analysis {
    if (!this.forked) {
      const a = this.shared.fork();
      for (const w of this.pending) w(a);
      this.pending.length = 0;
      this.forked = a;
    }
    return this.forked;
  }

  /** Write on this engine's fork, now or when it is made. */
  write(w: (a: Analysis) => void): void {
    if (this.forked) w(this.forked);
    else this.pending.push(w);
  }
}

/** How an uncompiled Code's body is compiled later (compiler.ts `compileLazy`). */
export class LazyBody {
  /** Set when the parent's body is compiled (it knows the name and kind the function gets: they are written on the Code). */
  declared = false;
  /** A field initializer's static name (null for a computed key). */
  staticName: string | null = null;
  constructor(
    readonly role: 'top' | 'function' | 'field' | 'staticBlock' | 'defaultConstructor',
    readonly node: Node,
    readonly analysis: UnitAnalysis,
    readonly opts: CompileOptions,
    readonly unit: UnitCodes,
    /** Its index in the unit's pre-order (bodies.ts names a body by it). */
    readonly index: number,
  ) {}
}

export class UnitCodes {
  /** The order the shells were made in (its records of compiled bodies are shared by the engines of a process: bodies.ts). */
  constructor(readonly order: CodeOrder) {}
  readonly list: Code[] = [];
  readonly byNode = new Map<Node, Code>();
  private index: Map<Code, number> | null = null;
  /** The position of `c` in `list` (-1: not this unit's), from one map made on first use (the list is complete by then). */
  indexOf(c: Code): number {
    if (!this.index) {
      this.index = new Map();
      this.list.forEach((x, i) => this.index!.set(x, i));
    }
    return this.index.get(c) ?? -1;
  }
  /** The shell the compiler fills for `node`; a node the pre-pass did not find is an engine bug. */
  shell(node: Node): Code {
    const c = this.byNode.get(node);
    if (!c) throw new Error(`invariant: no Code was assigned to the ${node.type} at ${node.start} (codeorder.ts missed it)`);
    return c;
  }
}

/** A Code with no bytecode yet; every field exists from the start, so all Codes keep one V8 shape. */
function shell(file: SourceFile, parent: Code | null, lazy: LazyBody): Code {
  return {
    name: '',
    kind: 'normal',
    strict: false,
    ops: new Int32Array(0),
    consts: [],
    nregs: 0,
    handlers: new Int32Array(0),
    length: 0,
    sourceText: '',
    file: file.name,
    source: file,
    positions: [],
    flags: CodeFlag.Lazy,
    completionReg: -1,
    paramNames: [],
    moduleDesc: null,
    hoistedEnd: 0,
    calleeNames: [],
    paramRegs: null,
    thisReg: -1,
    accessors: [],
    callSites: [],
    template: [],
    parent,
    lazy,
  };
}

const PATTERNS = new Set(['ObjectPattern', 'ArrayPattern']);
/** Nodes that make a Code (the analysis gives each a scope). */
const CODE_NODES = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression', 'ClassDeclaration', 'ClassExpression', 'PropertyDefinition', 'StaticBlock']);
const SKIP = new Set(['type', 'start', 'end', 'loc', 'range']);
/** The child nodes of each ESTree node type, in source order (a type not listed is walked by its keys). */
const CHILDREN: Record<string, readonly string[]> = {
  Identifier: [],
  Literal: [],
  ThisExpression: [],
  Super: [],
  EmptyStatement: [],
  DebuggerStatement: [],
  TemplateElement: [],
  PrivateIdentifier: [],
  MetaProperty: [],
  ExpressionStatement: ['expression'],
  ReturnStatement: ['argument'],
  ThrowStatement: ['argument'],
  BreakStatement: [],
  ContinueStatement: [],
  IfStatement: ['test', 'consequent', 'alternate'],
  WhileStatement: ['test', 'body'],
  DoWhileStatement: ['body', 'test'],
  LabeledStatement: ['body'],
  WithStatement: ['object', 'body'],
  TryStatement: ['block', 'handler', 'finalizer'],
  CatchClause: ['param', 'body'],
  VariableDeclaration: ['declarations'],
  ArrayExpression: ['elements'],
  ObjectExpression: ['properties'],
  Property: ['key', 'value'],
  UnaryExpression: ['argument'],
  UpdateExpression: ['argument'],
  BinaryExpression: ['left', 'right'],
  LogicalExpression: ['left', 'right'],
  MemberExpression: ['object', 'property'],
  ConditionalExpression: ['test', 'consequent', 'alternate'],
  CallExpression: ['callee', 'arguments'],
  NewExpression: ['callee', 'arguments'],
  SequenceExpression: ['expressions'],
  SpreadElement: ['argument'],
  RestElement: ['argument'],
  ArrayPattern: ['elements'],
  ObjectPattern: ['properties'],
  TemplateLiteral: ['quasis', 'expressions'],
  TaggedTemplateExpression: ['tag', 'quasi'],
  YieldExpression: ['argument'],
  AwaitExpression: ['argument'],
  ChainExpression: ['expression'],
  ParenthesizedExpression: ['expression'],
  ImportExpression: ['source', 'options'],
};

/**
 * Where each Code of a unit comes from, in pre-order, before any Code exists: the node that makes it,
 * its parent's index in this list (-1 for the top level) and its role. It depends on the AST and the
 * analysis's scope structure alone (a fork has the same), so the unit cache keeps one per analysed unit
 * (units.ts) and every engine makes its shells from it without walking the AST again.
 */
export interface CodeOrder {
  readonly nodes: readonly Node[];
  readonly parents: readonly number[];
  readonly roles: readonly LazyBody['role'][];
  /** Compiled bodies of this unit, recorded by the first compile in the process (bodies.ts), and each code's children. */
  readonly bodies: { map: Map<string, BodyRecipe>; kids: number[][] | null };
}

/** Every Code of `program`'s unit as uncompiled shells, in the order of `order` (by default found now). */
export function unitCodes(program: Node, analysis: UnitAnalysis, opts: CompileOptions, order: CodeOrder = codeOrder(program, analysis.shared)): UnitCodes {
  const unit = new UnitCodes(order);
  const file = opts.file;
  for (let i = 0; i < order.nodes.length; i++) {
    const node = order.nodes[i]!;
    const p = order.parents[i]!;
    const c = shell(file, p < 0 ? null : unit.list[p]!, new LazyBody(order.roles[i]!, node, analysis, opts, unit, i));
    unit.list.push(c);
    unit.byNode.set(node, c);
  }
  return unit;
}

/**
 * Every Code of `program`'s unit, in the order the compiler (compiler.ts) creates them: a function
 * body's hoisted declarations after its parameters and before its statements, a block's at its
 * start, a `for` loop's update after its body, a destructuring target after the value it takes
 * apart, a class's constructor before its other elements.
 */
export function codeOrder(program: Node, analysis: Analysis): CodeOrder {
  const nodes: Node[] = [];
  const parents: number[] = [];
  const roles: LazyBody['role'][] = [];
  /** (a Code is named by its index in the list) */
  type Index = number;
  const add = (node: Node, parent: Index, role: LazyBody['role']): Index => {
    nodes.push(node);
    parents.push(parent);
    roles.push(role);
    return nodes.length - 1;
  };
  // Where code-making nodes start (each has a scope of its own): a subtree holding none is skipped.
  const starts: number[] = [];
  for (const node of analysis.scopes.keys()) if (CODE_NODES.has(node.type)) starts.push(node.start);
  starts.sort((a, b) => a - b);
  const holdsCode = (n: Node): boolean => {
    let lo = 0;
    let hi = starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid]! < n.start) lo = mid + 1;
      else hi = mid;
    }
    return lo < starts.length && starts[lo]! < n.end;
  };
  const each = (nodes: (Node | null)[], p: Index): void => {
    for (const n of nodes) walk(n, p);
  };
  const hoisted = (s: Scope | undefined, p: Index): void => {
    if (s) for (const f of s.functions) fn(f, p);
  };
  const fn = (node: Node, p: Index): void => {
    const c = add(node, p, 'function');
    const s = analysis.scopes.get(node)!;
    each(node.params, c);
    hoisted(s.varScope, c);
    if (node.body.type === 'BlockStatement') each(node.body.body, c);
    else walk(node.body, c);
  };
  const cls = (node: Node, p: Index): void => {
    walk(node.superClass, p);
    const elements: Node[] = node.body.body;
    const ctor = elements.find((m) => m.type === 'MethodDefinition' && m.kind === 'constructor');
    if (ctor) fn(ctor.value, p);
    else add(node, p, 'defaultConstructor');
    for (const el of elements) {
      if (el === ctor) continue;
      if (el.type === 'StaticBlock') {
        const c = add(el, p, 'staticBlock');
        hoisted(analysis.scopes.get(el), c);
        each(el.body, c);
        continue;
      }
      if (el.computed) walk(el.key, p);
      if (el.type === 'MethodDefinition') fn(el.value, p);
      else if (el.value) walk(el.value, add(el, p, 'field'));
    }
  };
  const walk = (n: Node | null | undefined, p: Index): void => {
    if (!n || typeof n.type !== 'string' || !holdsCode(n)) return;
    switch (n.type) {
      case 'FunctionDeclaration':
        return; // made where its scope hoists it
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
        return fn(n, p);
      case 'ClassDeclaration':
      case 'ClassExpression':
        return cls(n, p);
      case 'BlockStatement':
        hoisted(analysis.scopes.get(n), p);
        return each(n.body, p);
      case 'SwitchStatement':
        walk(n.discriminant, p);
        hoisted(analysis.scopes.get(n), p);
        for (const c of n.cases) walk(c.test, p);
        for (const c of n.cases) each(c.consequent, p);
        return;
      case 'ForStatement':
        return each([n.init, n.test, n.body, n.update], p);
      case 'ForInStatement':
      case 'ForOfStatement':
        return each([n.right, n.left, n.body], p);
      case 'VariableDeclarator':
        return each([n.init, n.id], p);
      case 'AssignmentPattern':
        return each([n.right, n.left], p);
      case 'AssignmentExpression':
        return PATTERNS.has(n.left.type) ? each([n.right, n.left], p) : each([n.left, n.right], p);
    }
    const keys = CHILDREN[n.type as string];
    if (keys === undefined) {
      for (const key in n) if (!SKIP.has(key)) child(n[key], p);
    } else for (let i = 0; i < keys.length; i++) child(n[keys[i]!], p);
  };
  const child = (v: unknown, p: Index): void => {
    if (Array.isArray(v)) each(v, p);
    else if (v && typeof v === 'object' && typeof (v as Node).type === 'string') walk(v as Node, p);
  };
  const root = add(program, -1, 'top');
  hoisted(analysis.scopes.get(program), root);
  each(program.body, root);
  return { nodes, parents, roles, bodies: { map: new Map(), kids: null } };
}
