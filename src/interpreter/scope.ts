// Scope analysis: which names each scope declares, which of them closures capture (those live in
// heap environments; the rest in frame registers), and where lookups must stay dynamic because
// `with` or a sloppy direct `eval` can change the set of names at run time.
export type Node = any;

export type ScopeKind = 'function' | 'arrow' | 'block' | 'catch' | 'class' | 'script' | 'module' | 'eval' | 'with';
export type DeclKind = 'var' | 'let' | 'const' | 'class' | 'function' | 'param' | 'catch' | 'import' | 'fname' | 'pseudo';

/** Names that are not written in source but behave like variables of a (non-arrow) function. */
export const THIS = '%this',
  NEW_TARGET = '%new.target',
  HOME = '%home',
  FN = '%fn',
  ARGUMENTS = 'arguments';

export class Decl {
  captured = false;
  /**
   * Source offset after which a lexical binding is surely initialized for code of its own function
   * (reads there skip the TDZ check); Infinity when unknown (switch cases can jump past a declaration).
   */
  initEnd = Infinity;
  /** Register index, or slot in the scope's environment when captured. */
  index = -1;
  constructor(
    readonly name: string,
    public kind: DeclKind,
    readonly scope: Scope,
  ) {}
  get lexical(): boolean {
    return this.kind === 'let' || this.kind === 'const' || this.kind === 'class';
  }
}

export class Scope {
  readonly decls = new Map<string, Decl>();
  readonly children: Scope[] = [];
  /** The function-level scope this scope belongs to (itself for functions, scripts, modules, eval). */
  readonly fn: Scope;
  /** A direct eval appears in this function or a function nested in it. */
  containsEval = false;
  /** A direct eval appears directly in this function's body (not nested): vars may be added at run time. */
  directEval = false;
  usesArguments = false;
  /** Mentions of `arguments` in this function (nested arrows included), and how many of them are `x.apply(t, arguments)`. */
  argumentsMentions = 0;
  argumentsApplyMentions = 0;
  /** A `with` statement is inside: declarations added later in analysis are captured too. */
  hasWith = false;
  usesThis = false;
  /** Where `var` declarations of this function go: itself, or its body scope when parameters have expressions. */
  varScope: Scope = this;
  /** Function declarations hoisted to this scope's start. */
  readonly functions: Node[] = [];
  /** Slots in this scope's runtime environment (set by the compiler). */
  envSize = 0;
  /** Whether a runtime environment is created for this scope. */
  materialized = false;

  constructor(
    readonly kind: ScopeKind,
    readonly node: Node,
    readonly parent: Scope | null,
    public strict: boolean,
  ) {
    this.fn = kind === 'function' || kind === 'arrow' || kind === 'script' || kind === 'module' || kind === 'eval' ? this : parent!.fn;
    parent?.children.push(this);
  }

  get isFunction(): boolean {
    return this.fn === this;
  }

  declare(name: string, declKind: DeclKind | 'using' | 'await using'): Decl {
    // `using` / `await using` bindings are `const` ones (their disposal is the compiler's)
    const kind: DeclKind = declKind === 'using' || declKind === 'await using' ? 'const' : declKind;
    let d = this.decls.get(name);
    if (d) {
      if (kind === 'function' || (kind === 'var' && d.kind === 'pseudo') || (kind === 'param' && d.kind === 'pseudo')) d.kind = kind === 'var' ? d.kind : kind;
      return d;
    }
    d = new Decl(name, kind, this);
    if (this.hasWith) d.captured = true;
    this.decls.set(name, d);
    return d;
  }

  /** The nearest enclosing scope that owns `this` (a non-arrow function, script, module). */
  get thisScope(): Scope {
    let s: Scope = this.fn;
    while (s.kind === 'arrow' || (s.kind === 'eval' && s.parent)) s = s.parent!.fn;
    return s;
  }
}

/** Collect the bound names of a pattern. */
export function boundNames(pattern: Node, out: string[] = []): string[] {
  switch (pattern?.type) {
    case 'Identifier':
      out.push(pattern.name);
      break;
    case 'ObjectPattern':
      for (const p of pattern.properties) boundNames(p.type === 'RestElement' ? p.argument : p.value, out);
      break;
    case 'ArrayPattern':
      for (const e of pattern.elements) if (e) boundNames(e, out);
      break;
    case 'RestElement':
      boundNames(pattern.argument, out);
      break;
    case 'AssignmentPattern':
      boundNames(pattern.left, out);
      break;
  }
  return out;
}

function fail(what: string): never {
  throw new Error(`invariant: Analysis.fork met ${what}`);
}

function asBlock(f: Node): Node {
  return { type: 'BlockStatement', body: [f], start: f.start, end: f.end };
}

export function isStrictBody(body: Node[]): boolean {
  for (const s of body) {
    if (s.type !== 'ExpressionStatement' || !s.directive) return false;
    if (s.directive === 'use strict') return true;
  }
  return false;
}

export function hasSimpleParams(params: Node[]): boolean {
  return params.every((p) => p.type === 'Identifier');
}

/** Scope analysis over a whole program (or eval code). Results live on the Scope objects in `scopes`. */
export class Analysis {
  readonly scopes = new Map<Node, Scope>();
  private readonly refs: { name: string; scope: Scope }[] = [];

  constructor(
    program: Node,
    kind: 'script' | 'module' | 'eval',
    strict: boolean,
    /** Direct eval: `this`, `super`, `new.target` and `arguments` are the caller's, found by name. */
    private readonly dynamicOuter = false,
  ) {
    const top = new Scope(kind, program, null, strict || kind === 'module' || isStrictBody(program.body));
    this.scopes.set(program, top);
    this.hoist(program.body, top, top);
    this.statements(program.body, top);
    this.resolveAll();
  }

  /**
   * A copy with new Scope and Decl records over the same AST: the compiler writes register and slot
   * assignments (and environment layouts) onto them, so every engine compiles against a copy of its
   * own while the analysed unit itself is shared, unchanged, by the engines of a process (units.ts).
   */
  fork(): Analysis {
    const copy = Object.create(Analysis.prototype) as { scopes: Map<Node, Scope>; refs: unknown[] };
    const twin = new Map<Scope, Scope>();
    for (const s of this.scopes.values()) twin.set(s, Object.assign(Object.create(Scope.prototype) as Scope, s));
    const of = (s: Scope): Scope => twin.get(s) ?? fail(`a scope outside the analysis (${s.kind} at ${s.node?.start})`);
    for (const [old, s] of twin) {
      const w = s as { -readonly [K in keyof Scope]: Scope[K] };
      w.parent = old.parent && of(old.parent);
      w.fn = of(old.fn);
      w.varScope = of(old.varScope);
      w.children = old.children.map(of);
      const decls = new Map<string, Decl>();
      for (const [name, d] of old.decls) decls.set(name, Object.assign(Object.create(Decl.prototype) as Decl, d, { scope: s }));
      w.decls = decls;
    }
    // (set one by one: with the array-iteration protector cleared (iterators.ts), `new Map(list)` steps an iterator)
    const scopes = new Map<Node, Scope>();
    for (const [n, s] of this.scopes) scopes.set(n, of(s));
    copy.scopes = scopes;
    copy.refs = [];
    return copy as unknown as Analysis;
  }

  /** Declarations of a statement list: var/function hoisted to `fnScope`, lexical ones to `block`. */
  private hoist(body: Node[], block: Scope, fnScope: Scope): void {
    for (const s of body) this.hoistStatement(s, block, fnScope, true);
  }

  private hoistStatement(s: Node, block: Scope, fnScope: Scope, topLevel: boolean): void {
    if (!s) return;
    switch (s.type) {
      case 'VariableDeclaration':
        if (s.kind === 'var') {
          for (const d of s.declarations) for (const n of boundNames(d.id)) this.declareVar(fnScope, n);
        } else if (topLevel) {
          for (const d of s.declarations) for (const n of boundNames(d.id)) block.declare(n, s.kind).initEnd = d.end;
        }
        break;
      case 'FunctionDeclaration':
        if (topLevel) {
          const blockFn = block !== fnScope;
          block.declare(s.id.name, blockFn ? 'let' : 'function').kind = blockFn ? 'let' : 'function';
          block.functions.push(s);
          // Annex B.3.3: a sloppy block function is also a var of the function.
          if (blockFn && !block.strict && !s.generator && !s.async) {
            if (!this.lexicallyDeclaredBetween(s.id.name, block.parent, fnScope)) {
              this.declareVar(fnScope, s.id.name);
              s.annexB = true;
            }
          }
        }
        break;
      case 'ClassDeclaration':
        if (topLevel) block.declare(s.id.name, 'class').initEnd = s.end;
        break;
      case 'ExportNamedDeclaration':
      case 'ExportDefaultDeclaration':
        if (s.declaration) {
          if (s.type === 'ExportDefaultDeclaration' && !s.declaration.id && (s.declaration.type === 'FunctionDeclaration' || s.declaration.type === 'ClassDeclaration')) {
            block.declare('*default*', s.declaration.type === 'FunctionDeclaration' ? 'function' : 'class');
            if (s.declaration.type === 'FunctionDeclaration') block.functions.push(s.declaration);
          } else if (s.type === 'ExportDefaultDeclaration' && s.declaration.type !== 'FunctionDeclaration' && s.declaration.type !== 'ClassDeclaration') {
            block.declare('*default*', 'const');
          } else this.hoistStatement(s.declaration, block, fnScope, topLevel);
        }
        break;
      case 'ImportDeclaration':
        for (const sp of s.specifiers) block.declare(sp.local.name, 'import');
        break;
      case 'IfStatement':
        // Annex B.3.4: `if (x) function f() {}` behaves as if the declaration were in a block.
        if (s.consequent?.type === 'FunctionDeclaration') s.consequent = asBlock(s.consequent);
        if (s.alternate?.type === 'FunctionDeclaration') s.alternate = asBlock(s.alternate);
        this.hoistStatement(s.consequent, block, fnScope, false);
        this.hoistStatement(s.alternate, block, fnScope, false);
        break;
      case 'ForStatement':
        if (s.init?.type === 'VariableDeclaration') this.hoistStatement(s.init, block, fnScope, false);
        this.hoistStatement(s.body, block, fnScope, false);
        break;
      case 'ForInStatement':
      case 'ForOfStatement':
        if (s.left.type === 'VariableDeclaration') this.hoistStatement(s.left, block, fnScope, false);
        this.hoistStatement(s.body, block, fnScope, false);
        break;
      case 'WhileStatement':
      case 'DoWhileStatement':
      case 'LabeledStatement':
      case 'WithStatement':
        this.hoistStatement(s.body, block, fnScope, false);
        break;
      case 'BlockStatement':
        for (const t of s.body) this.hoistStatement(t, block, fnScope, false);
        break;
      case 'TryStatement':
        this.hoistStatement(s.block, block, fnScope, false);
        if (s.handler) this.hoistStatement(s.handler.body, block, fnScope, false);
        this.hoistStatement(s.finalizer, block, fnScope, false);
        break;
      case 'SwitchStatement':
        for (const c of s.cases) for (const t of c.consequent) this.hoistStatement(t, block, fnScope, false);
        break;
    }
  }

  private lexicallyDeclaredBetween(name: string, from: Scope | null, fnScope: Scope): boolean {
    for (let s = from; s && s !== fnScope; s = s.parent) {
      const d = s.decls.get(name);
      // B.3.4: a var may hoist over a catch parameter only when it is a plain identifier
      if (d && d.kind !== 'var' && d.kind !== 'function' && (d.kind !== 'catch' || s.node.param?.type !== 'Identifier')) return true;
    }
    // B.3.2.1: nor when the name is one of the function's parameterNames, which include "arguments"
    // where the function has an arguments object (skip-param / skip-arguments)
    if (name === 'arguments' && fnScope.fn.kind === 'function') return true;
    const d = fnScope.decls.get(name) ?? fnScope.fn.decls.get(name);
    return !!d && (d.lexical || d.kind === 'param');
  }

  private declareVar(fnScope: Scope, name: string): void {
    const existing = fnScope.decls.get(name);
    if (!existing) fnScope.declare(name, 'var');
  }

  private ref(name: string, scope: Scope): void {
    this.refs.push({ name, scope });
  }

  private newScope(kind: ScopeKind, node: Node, parent: Scope, strict = parent.strict): Scope {
    const s = new Scope(kind, node, parent, strict);
    this.scopes.set(node, s);
    return s;
  }

  private statements(body: Node[], scope: Scope): void {
    for (const s of body) this.node(s, scope);
  }

  /** Block-level lexical declarations (let/const/class/function in a block). */
  private blockScope(node: Node, body: Node[], parent: Scope): Scope {
    const s = this.newScope('block', node, parent);
    for (const st of body) {
      if (st.type === 'VariableDeclaration' && st.kind !== 'var') for (const d of st.declarations) for (const n of boundNames(d.id)) s.declare(n, st.kind).initEnd = d.end;
      else if (st.type === 'ClassDeclaration') s.declare(st.id.name, 'class').initEnd = st.end;
      else if (st.type === 'FunctionDeclaration') {
        s.declare(st.id.name, 'let');
        s.functions.push(st);
        if (!s.strict && !st.generator && !st.async && !this.lexicallyDeclaredBetween(st.id.name, parent, s.fn)) {
          this.declareVar(s.fn.varScope, st.id.name);
          st.annexB = true;
        }
      }
    }
    return s;
  }

  private fn(node: Node, parent: Scope): void {
    const arrow = node.type === 'ArrowFunctionExpression';
    const strict = parent.strict || (node.body.type === 'BlockStatement' && isStrictBody(node.body.body));
    const s = this.newScope(arrow ? 'arrow' : 'function', node, parent, strict);
    // A named function expression binds its own name in a scope of its own, outside the body.
    if (node.type === 'FunctionExpression' && node.id) {
      const nameScope = this.newScope('block', node.id, parent, strict);
      nameScope.declare(node.id.name, 'fname');
      (s as { parent: Scope | null }).parent = nameScope;
      parent.children.pop();
      nameScope.children.push(s);
    }
    // With default values or patterns, parameters are in TDZ until bound (FunctionDeclarationInstantiation).
    const paramKind = hasSimpleParams(node.params) ? 'param' : 'let';
    for (const p of node.params) for (const n of boundNames(p)) s.declare(n, paramKind);
    for (const p of node.params) this.pattern(p, s);
    if (node.body.type === 'BlockStatement') {
      // With parameter expressions, the body's declarations live in an environment of their own,
      // which closures in the parameter list cannot see (FunctionDeclarationInstantiation step 28).
      let body = s;
      if (paramKind === 'let') {
        body = this.newScope('block', node.body, s, strict);
        s.varScope = body;
      }
      this.hoist(node.body.body, body, body);
      this.statements(node.body.body, body);
    } else this.node(node.body, s);
  }

  private pattern(p: Node, scope: Scope): void {
    switch (p?.type) {
      case 'Identifier':
        this.ref(p.name, scope);
        break;
      case 'ObjectPattern':
        for (const prop of p.properties) {
          if (prop.type === 'RestElement') this.pattern(prop.argument, scope);
          else {
            if (prop.computed) this.node(prop.key, scope);
            this.pattern(prop.value, scope);
          }
        }
        break;
      case 'ArrayPattern':
        for (const e of p.elements) if (e) this.pattern(e, scope);
        break;
      case 'RestElement':
        this.pattern(p.argument, scope);
        break;
      case 'AssignmentPattern':
        this.pattern(p.left, scope);
        this.node(p.right, scope);
        break;
      default:
        this.node(p, scope);
    }
  }

  private markThis(scope: Scope): void {
    this.ref(THIS, scope);
  }

  private node(n: Node, scope: Scope): void {
    if (!n || typeof n !== 'object') return;
    switch (n.type) {
      case 'Identifier':
        this.ref(n.name, scope);
        if (n.name === 'arguments') {
          const f = scope.thisScope;
          if (f.kind === 'function') {
            f.usesArguments = true;
            f.argumentsMentions++;
            if ((n as { applyArgument?: boolean }).applyArgument) f.argumentsApplyMentions++;
          }
        }
        return;
      case 'ThisExpression':
        this.markThis(scope);
        return;
      case 'Super':
        this.ref(HOME, scope);
        this.markThis(scope);
        return;
      case 'MetaProperty':
        if (n.meta.name === 'new') this.ref(NEW_TARGET, scope);
        return;
      case 'FunctionDeclaration':
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
        this.fn(n, scope);
        return;
      case 'ClassDeclaration':
      case 'ClassExpression':
        this.classNode(n, scope);
        return;
      case 'BlockStatement': {
        const s = this.blockScope(n, n.body, scope);
        this.statements(n.body, s);
        return;
      }
      case 'StaticBlock': {
        const s = this.newScope('function', n, scope, true);
        this.hoist(n.body, s, s);
        this.statements(n.body, s);
        return;
      }
      case 'SwitchStatement': {
        this.node(n.discriminant, scope);
        const all = n.cases.flatMap((c: Node) => c.consequent);
        const s = this.blockScope(n, all, scope);
        for (const c of n.cases) {
          this.node(c.test, s);
          this.statements(c.consequent, s);
        }
        return;
      }
      case 'ForStatement':
      case 'ForInStatement':
      case 'ForOfStatement': {
        const head = n.type === 'ForStatement' ? n.init : n.left;
        let s = scope;
        if (head?.type === 'VariableDeclaration' && head.kind !== 'var') {
          s = this.newScope('block', n, scope);
          // (a for-in/of binding is initialised only when an iteration starts: the iterated expression,
          // after the declaration in the source, still reads it in TDZ)
          const initEnd = (d: Node) => (n.type === 'ForStatement' ? d.end : n.body.start);
          for (const d of head.declarations) for (const name of boundNames(d.id)) s.declare(name, head.kind).initEnd = initEnd(d);
        }
        if (n.type === 'ForStatement') {
          this.node(n.init, s);
          this.node(n.test, s);
          this.node(n.update, s);
        } else {
          if (head?.type === 'VariableDeclaration') {
            for (const d of head.declarations) {
              this.pattern(d.id, s);
              this.node(d.init, scope);
            }
          } else this.pattern(n.left, scope);
          // The iterated expression sees the loop's names in TDZ.
          this.node(n.right, s);
        }
        this.node(n.body, s);
        return;
      }
      case 'CatchClause': {
        const s = this.newScope('catch', n, scope);
        if (n.param) for (const name of boundNames(n.param)) s.declare(name, 'catch');
        if (n.param) this.pattern(n.param, s);
        const b = this.blockScope(n.body, n.body.body, s);
        this.statements(n.body.body, b);
        return;
      }
      case 'WithStatement': {
        // Names under `with` are looked up by name: every enclosing binding must live in an
        // environment that knows its name.
        for (let s: Scope | null = scope; s; s = s.parent) {
          for (const d of s.decls.values()) d.captured = true;
          s.hasWith = true;
        }
        this.node(n.object, scope);
        const s = this.newScope('with', n, scope);
        this.node(n.body, s);
        return;
      }
      case 'VariableDeclarator':
        this.pattern(n.id, scope);
        this.node(n.init, scope);
        return;
      case 'AssignmentExpression':
        this.pattern(n.left, scope);
        this.node(n.right, scope);
        return;
      case 'MemberExpression':
        this.node(n.object, scope);
        if (n.computed) this.node(n.property, scope);
        return;
      case 'Property':
        if (n.computed) this.node(n.key, scope);
        this.node(n.value, scope);
        return;
      case 'LabeledStatement':
        this.node(n.body, scope);
        return;
      case 'BreakStatement':
      case 'ContinueStatement':
        return;
      case 'CallExpression':
        if (n.callee.type === 'Identifier' && n.callee.name === 'eval') this.directEval(scope);
        if (isApplyOfArguments(n)) n.arguments[1].applyArgument = true;
        if (n.callee.type === 'Super') {
          this.ref(FN, scope);
          this.ref(NEW_TARGET, scope);
          this.markThis(scope);
          this.ref(HOME, scope);
        }
        break;
      case 'ImportDeclaration':
      case 'ExportAllDeclaration':
        return;
      case 'ExportNamedDeclaration':
        if (n.declaration) this.node(n.declaration, scope);
        else if (!n.source) for (const sp of n.specifiers) this.ref(sp.local.name, scope);
        return;
      case 'ExportDefaultDeclaration':
        this.node(n.declaration, scope);
        return;
      case 'PropertyDefinition':
      case 'MethodDefinition':
        // handled in classNode
        return;
    }
    for (const key in n) {
      if (key === 'type' || key === 'start' || key === 'end' || key === 'loc' || key === 'range') continue;
      const v = n[key];
      if (Array.isArray(v)) for (const c of v) this.node(c, scope);
      else if (v && typeof v === 'object' && typeof v.type === 'string') this.node(v, scope);
    }
  }

  private classNode(n: Node, scope: Scope): void {
    const s = this.newScope('class', n, scope, true);
    if (n.id) s.declare(n.id.name, 'const');
    for (const el of n.body.body) if (el.key?.type === 'PrivateIdentifier') s.declare('#' + el.key.name, 'const');
    // the heritage is evaluated in the class scope (its name in TDZ) and is strict code (ecma262 §15.7.14)
    if (n.superClass) this.node(n.superClass, s);
    for (const el of n.body.body) {
      if (el.computed) this.node(el.key, s);
      if (el.type === 'MethodDefinition') this.fn(el.value, s);
      else if (el.type === 'PropertyDefinition') {
        if (el.value) {
          // Each initializer behaves as a method body with its own this.
          const fs = this.newScope('function', el, s, true);
          this.node(el.value, fs);
        }
      } else if (el.type === 'StaticBlock') this.node(el, s);
    }
    // Private names referenced anywhere inside (o.#x, #x in o) resolve through the class scope.
    this.privateRefs(n.body, s);
  }

  private privateRefs(n: Node, scope: Scope): void {
    if (!n || typeof n !== 'object') return;
    if (n.type === 'PrivateIdentifier') {
      this.refs.push({ name: '#' + n.name, scope: this.innermostAt(n, scope) });
      return;
    }
    for (const key in n) {
      if (key === 'type' || key === 'loc') continue;
      const v = n[key];
      if (Array.isArray(v)) for (const c of v) this.privateRefs(c, this.scopes.get(c) ?? scope);
      else if (v && typeof v === 'object' && typeof v.type === 'string') this.privateRefs(v, this.scopes.get(v) ?? scope);
    }
  }

  private innermostAt(_n: Node, scope: Scope): Scope {
    return scope;
  }

  private directEval(scope: Scope): void {
    scope.fn.directEval = true;
    for (let s: Scope | null = scope; s; s = s.parent) {
      s.fn.containsEval = true;
      for (const d of s.decls.values()) d.captured = true;
    }
    // eval code can mention this, new.target, arguments and super of the enclosing function.
    const t = scope.thisScope;
    if (t.kind === 'function') {
      this.ref(THIS, scope);
      this.ref(NEW_TARGET, scope);
      this.ref(HOME, scope);
      t.usesArguments = true;
      this.ref(ARGUMENTS, scope);
    } else if (t.kind === 'script' || t.kind === 'module') this.ref(THIS, scope);
  }

  /** Resolve every reference; a reference that crosses a function boundary captures its binding. */
  private resolveAll(): void {
    for (const { name, scope } of this.refs) {
      const pseudo = name.startsWith('%') || (name === ARGUMENTS && scope.thisScope.kind === 'function' && scope.thisScope.usesArguments);
      if (pseudo) this.ensurePseudo(name, scope);
      let crossed = false;
      for (let s: Scope | null = scope; s; s = s.parent) {
        const d = s.decls.get(name);
        if (d) {
          if (crossed || s.fn.containsEval) d.captured = true;
          break;
        }
        if (s.isFunction && s.kind !== 'eval') crossed = true;
        if (s.kind === 'class' && s.isFunction === false) {
          /* class scope: methods are functions below it; crossing already recorded */
        }
      }
    }
  }

  /** Declare a pseudo variable (this, new.target, home object, active function, arguments) in its owner. */
  private ensurePseudo(name: string, from: Scope): void {
    const owner = from.thisScope;
    if (name === ARGUMENTS) {
      const d = owner.decls.get(ARGUMENTS);
      // `arguments` declared by a parameter, a function or a lexical binding hides the object; a `var`
      // does not (ecma262 §10.2.11 step 18: the var is the binding the object initializes)
      if (owner.kind !== 'function' || (d !== undefined && d.kind !== 'pseudo' && d.kind !== 'var')) return;
      if (d !== undefined) d.kind = 'pseudo';
      else owner.declare(ARGUMENTS, 'pseudo');
      return;
    }
    if (owner.kind === 'script' || owner.kind === 'module' || (owner.kind === 'eval' && this.dynamicOuter)) return;
    if (!owner.decls.has(name)) owner.declare(name, 'pseudo');
    if (name === THIS) owner.usesThis = true;
  }
}

/** `x.apply(t, arguments)`: the call that can take a function's arguments without an arguments object. */
export function isApplyOfArguments(n: Node): boolean {
  return (
    n.type === 'CallExpression' &&
    n.arguments.length === 2 &&
    n.arguments[1].type === 'Identifier' &&
    n.arguments[1].name === 'arguments' &&
    n.callee.type === 'MemberExpression' &&
    !n.callee.computed &&
    !n.callee.optional &&
    !n.optional &&
    n.callee.property.type === 'Identifier' &&
    n.callee.property.name === 'apply' &&
    n.arguments[0].type !== 'SpreadElement'
  );
}

/**
 * ContainsArguments (ecma262 §19.2.1.1 rules for an eval in a class field initializer): an
 * `arguments` reference outside any non-arrow function (property names and labels are not references).
 */
export function containsArguments(n: Node): boolean {
  if (!n || typeof n !== 'object') return false;
  if (Array.isArray(n)) return n.some(containsArguments);
  switch (n.type) {
    case 'Identifier':
      return n.name === 'arguments';
    case 'FunctionDeclaration':
    case 'FunctionExpression':
      return false;
    case 'MemberExpression':
      return containsArguments(n.object) || (n.computed && containsArguments(n.property));
    case 'Property':
    case 'MethodDefinition':
    case 'PropertyDefinition':
      // a method's body and a field's initializer are functions of their own
      return (n.computed && containsArguments(n.key)) || (n.type === 'Property' && n.kind === 'init' && !n.method && containsArguments(n.value));
    case 'LabeledStatement':
      return containsArguments(n.body);
    case 'BreakStatement':
    case 'ContinueStatement':
      return false;
  }
  for (const k in n) {
    if (k === 'type' || k === 'start' || k === 'end' || k === 'loc' || k === 'range') continue;
    const v = n[k];
    if (v && typeof v === 'object' && containsArguments(v)) return true;
  }
  return false;
}
