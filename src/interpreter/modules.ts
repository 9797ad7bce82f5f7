// ES modules loaded from files: records, linking of live bindings, evaluation order, import().
import type { Engine } from './engine';

export class ModuleLoader {
  constructor(private readonly engine: Engine) {}

  evaluateEntry(file: string): void {
    void file;
    this.engine.vm.throwError('SyntaxError', 'ES modules are not supported yet');
  }

  importMeta(module: unknown): object {
    void module;
    return this.engine.realm.intrinsics.newObject();
  }

  dynamicImport(module: unknown, specifier: unknown): object {
    void module;
    void specifier;
    const cap = this.engine.promises.newPromise();
    cap.reject(this.engine.vm.error('SyntaxError', 'dynamic import() is not supported yet'));
    return cap.promise;
  }
}
