import Testing
@testable import CopydeskCore

/// `absorb-repeats` of the phrases kind: a run of a repeated character is one finding with one fix.
@Suite struct PhrasesRepeatsTests {
    static func linter(absorb: Bool) throws -> Linter { try linter(absorb ? "true" : "false") }

    static func linter(_ absorb: String) throws -> Linter {
        let yaml = TS.ruleYAML(kind: "phrases", extra: """
            phrases:
              - "！！": "！"
            right: [cjk, line-end]
            absorb-repeats: \(absorb)
            """, fix: "safe")
        return Linter(rules: [try TS.rule(yaml)], unusedDisable: nil)
    }

    static func found(_ text: String, absorb: Bool = true) throws -> [String] {
        let doc = Document(path: "a.txt", text: text)
        return try linter(absorb: absorb).lint(doc).map { doc.source.string($0.range) }
    }

    @Test func aRunIsOneFindingFixedInOnePass() throws {
        #expect(try Self.found("好！！！！啊") == ["！！！！"])
        // Without it the run is pairs side by side, and only the last pair has a Chinese character after it.
        #expect(try Self.found("好！！！！啊", absorb: false) == ["！！"])
        // One pass of fixes leaves nothing to fix.
        let doc = Document(path: "a.txt", text: "好！！！！！啊，真好！！")
        let (once, used) = FixApplier.applyOnce(doc.source.bytes, try Self.linter(absorb: true).lint(doc), allowUnsafe: false)
        #expect(used.count == 2)
        #expect(String(decoding: once, as: UTF8.self) == "好！啊，真好！")
        let (twice, _) = FixApplier.applyOnce(doc.source.bytes, try Self.linter(absorb: false).lint(doc), allowUnsafe: false)
        #expect(String(decoding: twice, as: UTF8.self) == "好！！！！！啊，真好！")
    }

    @Test func theRunStopsAtTheLineAndTheContextIsReadAfterIt() throws {
        // A line ends the run (segments never cross a line).
        #expect(try Self.found("好！！！\n！！啊") == ["！！！", "！！"])
        // The right context is the character after the whole run: a Latin letter there rejects the run, and no
        // later piece of it is reported on its own.
        #expect(try Self.found("好！！！！a") == [])
        #expect(try Self.found("好！！！！a", absorb: false) == [])
        #expect(try Self.found("好！！！！a！！啊") == ["！！"])
        // Only repeats of the match's last character are taken in.
        #expect(try Self.found("好！！!啊") == [])
    }

    @Test func aLongerRunThanTheLimitIsDecoration() throws {
        func found(_ text: String) throws -> [String] {
            let doc = Document(path: "a.txt", text: text)
            return try Self.linter("4").lint(doc).map { doc.source.string($0.range) }
        }
        #expect(try found("好！！！！啊") == ["！！！！"])
        #expect(try found("好！！！！！啊") == [])
        // Not even a piece of it.
        #expect(try found("好！！！！！！！！！啊") == [])
    }

    @Test func aBadValueIsAnErrorAtItsPlace() throws {
        for bad in ["1", "maybe"] {
            let e = TS.configError { _ = try Self.linter(bad) }
            #expect(e?.message.contains("'absorb-repeats' must be true, false or") == true)
            #expect(e?.mark.line == 10)   // the value: after the six header lines of `TS.ruleYAML`, `phrases:`, its item and `right:`
        }
    }
}
