import CopydeskCore
import Foundation
import FuzzSupport

/// Fuzz target 3: the fixer. The first byte of an input picks the options (bit 0 Markdown, bit 1 pangu style,
/// bit 2 `copydesk:all` instead of `copydesk:recommended`, bit 3 unsafe fixes too); the rest is the draft. Valid
/// UTF-8 drafts are linted and fixed to a fixed point, as `copydesk lint --fix` does. Invariants:
/// - no crash, every finding's range inside the text and on character boundaries;
/// - the fixed text is valid UTF-8;
/// - the fixer converges (no rule still proposing fixes after the last pass);
/// - idempotence: fixing the fixed text changes nothing;
/// - the incremental passes give the same bytes, counts and remaining findings as whole-text passes, and the
///   remaining findings are those of linting the fixed text afresh.
/// `FUZZ_RULES_OFF=id,id` turns rules off (to keep fuzzing past a known bug in one rule).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFix(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard size >= 1, let data else { return 0 }
    let options = data[0]
    let raw = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    guard let source = try? SourceText(validating: raw) else { return 0 }
    let markdown = options & 1 != 0, unsafe = options & 8 != 0
    let linter = Linters.get(pangu: options & 2 != 0, all: options & 4 != 0)
    let path = markdown ? "fuzz.md" : "fuzz.txt"
    let what = "\(markdown ? "markdown" : "text"), \(options & 2 != 0 ? "pangu" : "print"), \(options & 4 != 0 ? "all" : "recommended")\(unsafe ? ", unsafe" : "")"

    for d in linter.lint(Document(path: path, source: source)) {
        FuzzMain.require(d.range.upperBound <= source.bytes.count && FuzzMain.onBoundary(source.bytes, d.range.lowerBound)
                         && FuzzMain.onBoundary(source.bytes, d.range.upperBound), "[\(what)] \(d.ruleID) finding \(d.range) cuts a character or leaves the text")
    }
    let out = FixApplier.fix(source, path: path, linter: linter, allowUnsafe: unsafe, incremental: true)
    FuzzMain.require(FuzzMain.isValidUTF8(out.bytes), "[\(what)] fixing valid UTF-8 gave invalid UTF-8 (rules \(out.applied.keys.sorted()))")
    FuzzMain.require(out.unconverged.isEmpty, "[\(what)] the fixes do not converge in \(FixApplier.maxPasses) passes: \(out.unconverged)")

    let whole = FixApplier.fix(source, path: path, linter: linter, allowUnsafe: unsafe, incremental: false)
    FuzzMain.require(out.bytes == whole.bytes, "[\(what)] incremental passes give other bytes than whole-text passes:\n  incremental: \(show(out.bytes))\n  whole text:  \(show(whole.bytes))")
    FuzzMain.require(out.applied == whole.applied, "[\(what)] incremental passes applied \(out.applied), whole-text passes \(whole.applied)")
    let fresh = linter.lint(Document(path: path, source: reread(out.bytes)))
    FuzzMain.require(out.remaining.map(key) == fresh.map(key), "[\(what)] the fixer's remaining findings differ from linting the fixed text:\n  fixer: \(out.remaining.map(key))\n  fresh: \(fresh.map(key))")

    let again = FixApplier.fix(reread(out.bytes), path: path, linter: linter, allowUnsafe: unsafe)
    FuzzMain.require(!again.changed, "[\(what)] fixing the fixed text changed it again (\(again.applied)):\n  first:  \(show(out.bytes))\n  second: \(show(again.bytes))")
    return 0
}

func key(_ d: Diagnostic) -> String {
    "\(d.ruleID) \(d.range) \(d.message) \(d.fix.map { "\($0.safety) \($0.edits.map { "\($0.range)=\($0.replacement.debugDescription)" })" } ?? "-")"
}

func show(_ b: [UInt8]) -> String { String(decoding: b.prefix(400), as: UTF8.self).debugDescription }

/// The fixer's output as a source again (checked valid above, so decoding keeps every byte).
func reread(_ bytes: [UInt8]) -> SourceText { SourceText(String(decoding: bytes, as: UTF8.self)) }

/// One linter per (style, pack), built through a configuration as the CLI does, once per process.
enum Linters {
    nonisolated(unsafe) static var cache: [Int: Linter] = [:]

    static func get(pangu: Bool, all: Bool) -> Linter {
        let k = (pangu ? 1 : 0) | (all ? 2 : 0)
        if let l = cache[k] { return l }
        let off = (ProcessInfo.processInfo.environment["FUZZ_RULES_OFF"] ?? "").split(separator: ",").map { "  \($0): off\n" }.joined()
        let yaml = "extends: [copydesk:\(all ? "all" : "recommended")]\nstyle: \(pangu ? "pangu" : "print")\n" + (off.isEmpty ? "" : "rules:\n" + off)
        do {
            let config = try Config.parse(yaml, file: "/fuzz/.lintrc.yml", directory: "/fuzz")
            let l = Linter(try RuleSet.build(config: config, catalog: RuleCatalog.loadBuiltIn()))
            cache[k] = l
            return l
        } catch {
            FuzzMain.fail("cannot build the linter: \(error)")
        }
    }
}

@main enum FuzzFixMain {
    static func main() { FuzzMain.run("fuzz-fix", fuzzFix) }
}
