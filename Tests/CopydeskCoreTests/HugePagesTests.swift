import Foundation
import Testing
@testable import CopydeskCore

/// When the command starts itself again with glibc's allocator on transparent huge pages (`HugePages`), and that
/// the restarted run does what the first one would have done.
@Suite struct HugePagesTests {
    static let big = HugePages.minimumBytes
    static func kind(_ path: String) -> HugePages.PathKind {
        switch path {
        case "big.txt": return .regular(bytes: big)
        case "edge.txt": return .regular(bytes: big - 1)
        case "small.txt", "c.yml": return .regular(bytes: 300)
        case "dir", "articles": return .directory
        default: return .other
        }
    }

    @Test func aLargeFileAloneAsksForIt() {
        let yes: [[String]] = [
            ["lint", "--fix", "--config", "c.yml", "big.txt"], ["big.txt"], ["fix", "big.txt"], ["--fix", "big.txt"],
            ["lint", "--format", "json", "big.txt", "small.txt"], ["lint", "--color", "never", "big.txt"],
        ]
        let no: [[String]] = [
            ["lint", "small.txt"], ["lint", "edge.txt"], ["lint", "big.txt", "dir"], ["articles"], ["lint", "-"],
            ["lint", "--stdin", "big.txt"], ["lint", "big.txt", "-"], ["server"], ["rules", "big.txt"], ["structure", "big.txt"],
            ["lint", "--help", "big.txt"], [], ["lint"], ["lint", "missing.txt"],
        ]
        for a in yes { #expect(HugePages.asksForLargeFile(a, kind: Self.kind), "\(a)") }
        for a in no { #expect(!HugePages.asksForLargeFile(a, kind: Self.kind), "\(a)") }
    }

    @Test func onlyOnAdviceAndNeverOverTheUsersOwn() {
        let args = ["lint", "--fix", "big.txt"]
        func wanted(_ env: [String: String], _ mode: String?) -> Bool {
            HugePages.wanted(args, environment: { env[$0] }, mode: mode, kind: Self.kind)
        }
        #expect(wanted([:], "always [madvise] never\n"))
        #expect(wanted(["COPYDESK_HUGEPAGES": "trace"], "always [madvise] never\n"))
        #expect(!wanted([:], "[always] madvise never\n"))      // on already
        #expect(!wanted([:], "always madvise [never]\n"))      // off
        #expect(!wanted([:], nil))
        #expect(!wanted(["COPYDESK_HUGEPAGES": "off"], "always [madvise] never\n"))
        #expect(!wanted(["GLIBC_TUNABLES": "glibc.malloc.arena_max=1"], "always [madvise] never\n"))
        #expect(!wanted([HugePages.restartedVariable: "1"], "always [madvise] never\n"))
        #expect(!HugePages.wanted(["lint", "small.txt"], environment: { _ in nil }, mode: "always [madvise] never", kind: Self.kind))
    }

    @Test func theRealPathsAreTold() throws {
        let dir = try TS.makeTempDir("copydesk-hugepages")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("a.txt")
        try TS.write("全力以赴\n", to: file)
        #expect(HugePages.kind(of: file.path) == .regular(bytes: 13))
        #expect(HugePages.kind(of: dir.path) == .directory)
        #expect(HugePages.kind(of: dir.appendingPathComponent("none").path) == .other)
        #expect(HugePages.kind(of: "/dev/null") == .other)
    }

    static let madvise = HugePages.kernelMode()?.contains("[madvise]") == true

    /// A 9 MB page fixed with the restart and without it: the same fixed text, report and exit code; the restart
    /// happens for it (and not for a small file), and the restarted process does not pass the tunable on.
    @Test(.enabled(if: madvise, "this kernel's transparent huge pages are not `madvise`: the command never restarts here"))
    func theRestartedRunDoesWhatTheFirstWould() throws {
        let dir = try TS.makeTempDir("copydesk-hugepages-cli")
        defer { try? FileManager.default.removeItem(at: dir) }
        var page = ""
        let paragraph = "本报讯 记者 张三 市领导昨天来到现场 ,看望慰问防疫一线工作人员。大家都很高兴,决心再接再厉、坚守阵地、毫不松懈。全 力 以 赴 2024年12 月 14 日 iPhone发布会。\n\n"
        while page.utf8.count < HugePages.minimumBytes + 100_000 { page += paragraph }
        for name in ["on.txt", "off.txt"] { try TS.write(page, to: dir.appendingPathComponent(name)) }
        try TS.write("全 力 以 赴\n", to: dir.appendingPathComponent("small.txt"))
        let on = try CLI.run(["lint", "--fix", "--no-config", "on.txt"], in: dir, environment: ["COPYDESK_HUGEPAGES": "trace"])
        let off = try CLI.run(["lint", "--fix", "--no-config", "off.txt"], in: dir, environment: ["COPYDESK_HUGEPAGES": "off"])
        #expect(on.stderr.contains("restarted with \(HugePages.tunable)"), "\(on.stderr.prefix(300))")
        #expect(!off.stderr.contains("restarted"))
        #expect(on.status == off.status)
        #expect(on.stdout.replacingOccurrences(of: "on.txt", with: "off.txt") == off.stdout)
        let fixedOn = try Data(contentsOf: dir.appendingPathComponent("on.txt"))
        let fixedOff = try Data(contentsOf: dir.appendingPathComponent("off.txt"))
        #expect(fixedOn == fixedOff)
        #expect(fixedOn != Data(page.utf8))   // something was fixed
        let small = try CLI.run(["lint", "--fix", "--no-config", "small.txt"], in: dir, environment: ["COPYDESK_HUGEPAGES": "trace"])
        #expect(!small.stderr.contains("restarted"))
        #expect(try String(contentsOf: dir.appendingPathComponent("small.txt"), encoding: .utf8) == "全力以赴\n")
    }
}
