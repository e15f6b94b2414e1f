// A static check that the firmware's modules are safe to preload. On a device the manifest
// preloads every module: xsl runs the module bodies at build time and the result goes to flash.
// Objects left unfrozen there are copied to RAM on first write, but the bytes of a typed array
// or ArrayBuffer are not: writing them throws "read-only buffer". Module-level `let` and `var`
// bindings are flagged too, since a preloaded module keeps no run-time state of its own. The
// host run (tests/moddable) checks the same thing dynamically.

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
      ts.forEachChild(node, (child) => visit(child, inFunction || ts.isFunctionLike(node) || ts.isClassStaticBlockDeclaration(node)));
    };
    visit(source, false);
  }
  return hazards;
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
