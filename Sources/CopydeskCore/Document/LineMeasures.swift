import Foundation

/// Per line, what `ocr.broken-line` measured of its text (`BrokenLineCheck.measureStart`: width in cells, first
/// character, indent, punctuation; `measureEnd`: its last characters) — a function of the line's bytes alone. The
/// fixer's later passes re-parse with `Document.updated(to:edits:)`, which keeps the lines no edit touched byte for
/// byte (only moved), so their measures are carried to the new document and the rule measures again only the lines
/// an edit touched (it runs on every pass, over the whole text).
final class LineMeasures: @unchecked Sendable {
    struct Entry {
        /// The measured range, relative to the line's start (`from == -1`: not measured).
        var from: Int32
        var count: Int32
        var width: Int32
        var first: UInt32
        /// Its end (`BrokenLineCheck.measureEnd`): the last two characters, where the last starts (relative to the
        /// line's start), whether a space stands near the end.
        var last: UInt32 = 0
        var beforeLast: UInt32 = 0
        var lastAt: Int32 = 0
        var indented: Bool
        var punctuation: Bool
        /// Which halves are known: the start (`measureStart`) and the end; `hasText`: the end found a character.
        var hasStart = false
        var hasEnd = false
        var hasText = false
        var spaceNearEnd = false
        static let none = Entry(from: -1, count: 0, width: 0, first: 0, indented: false, punctuation: false)
        /// This entry when it is of the range `key` (relative to the line's start), else an empty one of that range.
        func keyed(_ key: (from: Int32, count: Int32)) -> Entry {
            if from == key.from && count == key.count { return self }
            var e = Entry.none
            e.from = key.from; e.count = key.count
            return e
        }
    }
    /// Checks of one lint may run on several threads (the duplicate rules run the broken-line check too).
    private let lock = NSLock()
    private var entries: [Entry]

    init(_ entries: [Entry] = []) { self.entries = entries }

    /// The entries of a text of `lineCount` lines, read and written under the lock.
    func withEntries<R>(lineCount: Int, _ body: (inout [Entry]) -> R) -> R {
        lock.withLock {
            if entries.count != lineCount { entries = [Entry](repeating: .none, count: lineCount) }
            return body(&entries)
        }
    }

    /// The measures for the text after edits that touched the lines `dirty` and moved no line break. The entries
    /// are moved, not copied: these are the measures of the text before the edits, which no check reads again (the
    /// fixer's re-lint reads the old document's structure, not its measures), and left empty they are only a cache
    /// that measures afresh. (A copy was 2 MB of fresh pages on a 50,000-line page, on one core, every pass.)
    func carried(dirty: [Int]) -> LineMeasures {
        lock.withLock {
            guard !entries.isEmpty else { return LineMeasures() }
            var e: [Entry] = []
            swap(&e, &entries)
            for l in dirty where l < e.count { e[l] = .none }
            return LineMeasures(e)
        }
    }
}
