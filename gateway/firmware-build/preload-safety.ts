// A static check that the firmware's modules are safe to preload. On a device the manifest
// preloads every module: xsl runs the module bodies at build time and the result goes to flash.
// Objects left unfrozen there are copied to RAM on first write, but the bytes of a typed array
// or ArrayBuffer are not: writing them throws "read-only buffer". Module-level `let` and `var`
// bindings are flagged too, since a preloaded module keeps no run-time state of its own. Code
// that runs only while the modules load (at module level, or in functions called only from
// there) runs at build time on a device and may write anything. The host run (tests/moddable)
// checks the same thing dynamically.

import ts from "typescript";

export interface PreloadHazard {
  file: string;
  line: number;
  message: string;
}

const BUFFER_TYPE = /^(?:(?:Big)?(?:U?int(?:8|16|32|64)|Float(?:32|64)|Uint8Clamped)Array|ArrayBuffer|DataView)(?:<.*>)?$/;
const WRITING_METHODS = new Set(["set", "fill", "copyWithin", "reverse", "sort", "transfer"]);

/** Hazards in the given source files (a program is built over them to follow imports). */
export function preloadHazards(files: readonly string[]): PreloadHazard[] {
  const program = ts.createProgram(files, {
    target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true, noEmit: true, types: [],
  });
  const checker = program.getTypeChecker();
  const moduleLevel = new Map<ts.Symbol, { name: string; mutableBinding: boolean; buffer: boolean }>();
  const sources = files.map((f) => program.getSourceFile(f)).filter((s): s is ts.SourceFile => s !== undefined);

  for (const source of sources) {
    for (const statement of source.statements) {
      if (!ts.isVariableStatement(statement)) continue;
      const mutableBinding = (statement.declarationList.flags & ts.NodeFlags.Const) === 0;
      for (const declaration of statement.declarationList.declarations) {
        if (!ts.isIdentifier(declaration.name)) continue;
        const symbol = checker.getSymbolAtLocation(declaration.name);
        if (!symbol) continue;
        const type = checker.typeToString(checker.getTypeAtLocation(declaration.name));
        moduleLevel.set(symbol, { name: declaration.name.text, mutableBinding, buffer: BUFFER_TYPE.test(type) });
      }
    }
  }

  const loadTime = loadTimeFunctions(sources, checker);
  const hazards: PreloadHazard[] = [];
  for (const source of sources) {
    const visit = (node: ts.Node, inFunction: boolean): void => {
      if (inFunction && ts.isIdentifier(node)) {
        let symbol = checker.getSymbolAtLocation(node);
        if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
        const binding = symbol && moduleLevel.get(symbol);
        const why = binding && hazard(node, binding);
        if (why) {
          const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
          hazards.push({ file: source.fileName, line: line + 1, message: why });
        }
      }
      const runsLater = (ts.isFunctionLike(node) && !(ts.isFunctionDeclaration(node) && loadTime.has(node))) || ts.isClassStaticBlockDeclaration(node);
      ts.forEachChild(node, (child) => visit(child, inFunction || runsLater));
    };
    visit(source, false);
  }
  return hazards;
}

/** The function-like node whose body holds `node`, if any. */
function enclosingFunction(node: ts.Node): ts.Node | undefined {
  for (let n = node.parent; n; n = n.parent) if (ts.isFunctionLike(n) || ts.isClassStaticBlockDeclaration(n)) return n;
  return undefined;
}

/**
 * Module-level function declarations that only run while the modules load: every use is a call
 * at module level or from another such function. Found as the largest set closed under that rule.
 */
function loadTimeFunctions(sources: readonly ts.SourceFile[], checker: ts.TypeChecker): Set<ts.FunctionDeclaration> {
  const declared = new Map<ts.Symbol, ts.FunctionDeclaration>();
  for (const source of sources) {
    for (const statement of source.statements) {
      if (ts.isFunctionDeclaration(statement) && statement.name && statement.body) {
        const symbol = checker.getSymbolAtLocation(statement.name);
        if (symbol) declared.set(symbol, statement);
      }
    }
  }
  const uses = new Map<ts.FunctionDeclaration, { call: boolean; from: ts.Node | undefined }[]>();
  for (const source of sources) {
    const visit = (node: ts.Node): void => {
      if (ts.isIdentifier(node) && !(ts.isFunctionDeclaration(node.parent) && node.parent.name === node)) {
        let symbol = checker.getSymbolAtLocation(node);
        if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
        const fn = symbol && declared.get(symbol);
        if (fn && !ts.isImportSpecifier(node.parent) && !ts.isExportSpecifier(node.parent)) {
          const call = ts.isCallExpression(node.parent) && node.parent.expression === node;
          uses.set(fn, [...(uses.get(fn) ?? []), { call, from: enclosingFunction(node) }]);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  const loadTime = new Set(declared.values());
  for (let changed = true; changed;) {
    changed = false;
    for (const fn of loadTime) {
      const atLoad = (uses.get(fn) ?? []).every((u) => u.call && (u.from === undefined || (ts.isFunctionDeclaration(u.from) && loadTime.has(u.from))));
      if (!atLoad || !uses.has(fn)) {
        loadTime.delete(fn);
        changed = true;
      }
    }
  }
  return loadTime;
}

function isAssignmentTarget(node: ts.Node): boolean {
  const parent = node.parent;
  if (ts.isBinaryExpression(parent)) {
    const op = parent.operatorToken.kind;
    return parent.left === node && op >= ts.SyntaxKind.FirstAssignment && op <= ts.SyntaxKind.LastAssignment;
  }
  if (ts.isPrefixUnaryExpression(parent) || ts.isPostfixUnaryExpression(parent)) {
    return parent.operator === ts.SyntaxKind.PlusPlusToken || parent.operator === ts.SyntaxKind.MinusMinusToken;
  }
  return false;
}

function hazard(id: ts.Identifier, binding: { name: string; mutableBinding: boolean; buffer: boolean }): string | undefined {
  if (binding.mutableBinding && isAssignmentTarget(id)) return `module-level binding ${binding.name} is assigned at run time`;
  if (!binding.buffer) return undefined;
  const parent = id.parent;
  if (ts.isElementAccessExpression(parent) && parent.expression === id && isAssignmentTarget(parent)) {
    return `module-level buffer ${binding.name} is written at run time (read-only once preloaded)`;
  }
  if (ts.isPropertyAccessExpression(parent) && parent.expression === id && ts.isCallExpression(parent.parent) && parent.parent.expression === parent) {
    const method = parent.name.text;
    if (WRITING_METHODS.has(method) || /^set[A-Z]/.test(method)) {
      return `module-level buffer ${binding.name} is written at run time by ${method}() (read-only once preloaded)`;
    }
  }
  return undefined;
}
