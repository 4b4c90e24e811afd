import CopydeskCore
import Foundation
import FuzzSupport

/// Fuzz target 2: configurations and rules. An input is up to three parts separated by a line `#====`:
/// a `.lintrc.yml`, a house rule file (YAML) and a draft. The configuration is parsed (`Config.parse`: YAML,
/// strict keys, `extends` of files in a small fixed folder, globs, overrides) and resolved against the built-in
/// catalog plus the house rule (`RuleSet.build`); the rule is loaded (`RuleLoader.load`: kinds, options, dead-rule
/// detection), its examples are run (`ExampleRunner`), and the draft is linted and fixed with it and with the
/// configuration's rule set. Errors (`ConfigError`) are expected; a crash, a hang or an error without a usable
/// position is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let raw = Array(UnsafeBufferPointer(start: data, count: size))
    // The loaders read text (the CLI rejects non-UTF-8 configuration files before parsing).
    guard FuzzMain.isValidUTF8(raw) else { return 0 }
    let text = String(decoding: raw, as: UTF8.self)
    let parts = text.components(separatedBy: "\n#====\n")
    let configText = parts[0]
    let ruleText = parts.count > 1 ? parts[1] : nil
    let draft = parts.count > 2 ? parts[2] : "全 力 以 赴，12 月 14 日上午,记者走访了……\n\n本报讯（记者 张三）市委 书记说:“好”。\n"

    var catalog = Fixture.catalog
    if let ruleText {
        do {
            let rule = try RuleLoader.load(text: ruleText, file: Fixture.dir + "/house/fuzz.yml", relativePath: "house/fuzz.yml", builtIn: false)
            for failure in ExampleRunner.run(rule) { checkMark(failure.mark, ruleText, failure.description) }
            lintAndFix(Linter(rules: [rule]), draft)
            try? catalog.add(rule)
        } catch let e as ConfigError {
            checkMark(e.mark, ruleText, e.description)
        } catch {
            FuzzMain.fail("rule loading threw something other than a ConfigError: \(error)")
        }
    }
    // `extends` may name files; only the fixture folder's own are read (a path to a device or a FIFO would block).
    guard reachableFilesOnly(configText) else { return 0 }
    do {
        let config = try Config.parse(configText, file: Fixture.dir + "/.lintrc.yml", directory: Fixture.dir)
        for path in Fixture.paths {
            _ = config.admits(path)
            let overrides = config.matchingOverrides(path)
            let set = try RuleSet.build(config: config, catalog: catalog, overrides: overrides)
            if path == Fixture.paths[0] { lintAndFix(Linter(set), draft) }
        }
    } catch let e as ConfigError {
        checkMark(e.mark, configText, e.description)
    } catch {
        FuzzMain.fail("configuration parsing threw something other than a ConfigError: \(error)")
    }
    return 0
}

/// An error's position must be one a reader can find: line ≥ 1, column ≥ 1, the line inside the text (files other
/// than the one parsed, e.g. a base configuration, are not checked).
func checkMark(_ mark: SourceMark, _ text: String, _ what: String) {
    guard mark.file.hasSuffix("/.lintrc.yml") || mark.file.hasSuffix("/fuzz.yml") else { return }
    // YAML breaks lines at LF, CR, CRLF and (YAML 1.1, as libyaml reads it) NEL, LS and PS.
    var lines = 1, previous: Unicode.Scalar = "x"
    for s in text.unicodeScalars {
        if s == "\r" || (s == "\n" && previous != "\r") || s == "\u{85}" || s == "\u{2028}" || s == "\u{2029}" { lines += 1 }
        previous = s
    }
    FuzzMain.require(mark.line >= 1 && mark.column >= 1 && mark.line <= lines + 1, "error position \(mark) outside the text (\(lines) lines): \(what)")
}

func lintAndFix(_ linter: Linter, _ draft: String) {
    for path in ["draft.txt", "draft.md"] {
        let doc = Document(path: path, text: draft)
        for d in linter.lint(doc) {
            FuzzMain.require(d.range.upperBound <= doc.bytes.count && FuzzMain.onBoundary(doc.bytes, d.range.lowerBound)
                             && FuzzMain.onBoundary(doc.bytes, d.range.upperBound), "\(d.ruleID) finding \(d.range) cuts a character")
        }
        let out = FixApplier.fix(SourceText(draft), path: path, linter: linter, allowUnsafe: true)
        FuzzMain.require(FuzzMain.isValidUTF8(out.bytes), "fixing valid UTF-8 gave invalid UTF-8 (rules \(out.applied.keys.sorted()))")
    }
}

/// Whether every scalar of the configuration stays clear of files outside the fixture folder that could block
/// a read (devices, FIFOs): no absolute path, no `..`, no `dev`/`proc`/`sys`/`run` anywhere.
func reachableFilesOnly(_ text: String) -> Bool {
    guard let root = try? YAMLValue.parse(text, file: "check") else { return true }   // the parser will say why
    func ok(_ s: String) -> Bool {
        !(s.hasPrefix("/") || s.hasPrefix("~") || s.contains("..") || s.contains("dev") || s.contains("proc") || s.contains("sys") || s.contains("run"))
    }
    func walk(_ v: YAMLValue) -> Bool {
        switch v {
        case .scalar(let s, _, _): return ok(s)
        case .sequence(let items, _): return items.allSatisfy(walk)
        case .mapping(let pairs, _): return pairs.allSatisfy { ok($0.key) && walk($0.value) }
        case .null: return true
        }
    }
    return walk(root)
}

/// A folder with files a fuzzed configuration may name: `base.yml` (a valid configuration to extend),
/// `loop.yml` (extends itself), `bad.yml` (a syntax error) and `house/` (a house rule folder).
enum Fixture {
    static let dir: String = {
        let d = NSTemporaryDirectory() + "copydesk-fuzz-config-\(getpid())"
        try? FileManager.default.createDirectory(atPath: d + "/house", withIntermediateDirectories: true)
        let files = [
            "base.yml": "style: pangu\nrules:\n  spacing.han-digit-space: {except-left: 年月日}\noverrides:\n  - files: ['web/**']\n    style: print\n",
            "loop.yml": "extends: [loop.yml]\n",
            "bad.yml": "rules: [\n",
            "house/titles.yml": "kind: phrases\nseverity: warning\nmessage: 用“{replacement}”\nscope: [body]\nfix: safe\nphrases:\n  - 北朝鲜: 朝鲜\nexamples:\n  valid: [朝鲜]\n  invalid: [\"[[北朝鲜]]\"]\n  fixes:\n    - {before: 北朝鲜, after: 朝鲜}\n",
        ]
        for (name, text) in files { _ = FileManager.default.createFile(atPath: d + "/" + name, contents: Data(text.utf8)) }
        return d
    }()
    static let catalog: RuleCatalog = (try? RuleCatalog.loadBuiltIn()) ?? RuleCatalog()
    static let paths = [dir + "/web/2024/12/draft.md", dir + "/a/b/c/d/e/f/g/h/i/j/k.txt", dir + "/draft.txt", "/elsewhere/x.md"]
}

@main enum FuzzConfigMain {
    static func main() { FuzzMain.run("fuzz-config", fuzzConfig) }
}
