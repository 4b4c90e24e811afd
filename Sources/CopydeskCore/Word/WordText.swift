/// The text copydesk lints for a Word document, and where every byte of it came from.
///
/// One paragraph is one line (each ends with LF), so a finding's line is its paragraph
/// number and its column the character column in that paragraph: every output format shows Word positions
/// without knowing about Word. Paragraphs are numbered through the body (tables included, in reading order), then
/// on through footnotes, endnotes, headers and footers; JSON also names the part, the paragraph within it, the
/// run and the character offset inside the run's `w:t`.
public struct WordTextMap: Sendable {
    /// A stretch of the text from one source.
    struct Span: Sendable {
        var range: Range<Int>
        var part: Int
        /// Index of the node in the part, or -1 for text not in a `w:t` (a tab, a non-breaking hyphen, a break).
        var node: Int
        var isBreak: Bool = false
        /// For text not in a `w:t`: the 1-based run it is in.
        var run: Int = 0
        /// For a removable element (a soft hyphen): its index in the part's `removables`, else -1.
        var removable: Int = -1
    }
    let spans: [Span]
    /// Per line (paragraph of the text): its part and its 1-based number within the part.
    let lines: [(part: Int, paragraph: Int)]
    let partNames: [String]
    /// Per line: heading level from the paragraph's style or outline level, when it is a heading.
    let headings: [Int: Int]
    /// The text's bytes.
    public let text: [UInt8]
    /// Run index of each node, per part.
    let runs: [[Int]]

    init(parts: [WordPart], headingStyles: [String: Int]) {
        var text: [UInt8] = []
        var spans: [Span] = []
        var lines: [(Int, Int)] = []
        var headings: [Int: Int] = [:]
        for (pi, part) in parts.enumerated() {
            for (k, para) in part.paragraphs.enumerated() {
                if pi == 0 {
                    if let o = para.outlineLevel, o >= 0 && o < 9 { headings[lines.count] = o + 1 }
                    else if let s = para.styleID, let l = headingStyles[s] ?? WordStyles.levelByName(s) { headings[lines.count] = l }
                }
                lines.append((pi, k + 1))
                for piece in para.pieces {
                    switch piece {
                    case .node(let n):
                        let t = part.nodes[n].text
                        spans.append(Span(range: text.count..<(text.count + t.count), part: pi, node: n))
                        text.append(contentsOf: t)
                    case .synthetic(let b, let run):
                        spans.append(Span(range: text.count..<(text.count + b.count), part: pi, node: -1, run: run))
                        text.append(contentsOf: b)
                    case .removable(let k):
                        let r = part.removables[k]
                        if r.removed { continue }
                        spans.append(Span(range: text.count..<(text.count + r.text.count), part: pi, node: -1, run: r.run, removable: k))
                        text.append(contentsOf: r.text)
                    case .lineBreak:
                        spans.append(Span(range: text.count..<text.count, part: pi, node: -1, isBreak: true))
                    }
                }
                text.append(0x0A)
            }
        }
        self.text = text
        self.spans = spans
        self.lines = lines
        self.headings = headings
        partNames = parts.map(\.path)
        runs = parts.map { $0.nodes.map(\.run) }
    }

    /// Index of the first span whose range ends at or after `offset`.
    private func firstSpan(endingAtOrAfter offset: Int) -> Int {
        var lo = 0, hi = spans.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if spans[mid].range.upperBound < offset { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// The node an edit of `range` lies in, with the range inside that node's text; nil when the edit would cross
    /// a run, touch text that is not in a `w:t` or lie next to a break. An insertion at the boundary of two runs
    /// goes to the end of the earlier one (it takes that run's formatting), never next to a tab or break.
    func locate(_ range: Range<Int>, editable: (Int, Int) -> Bool) -> (part: Int, node: Int, range: Range<Int>)? {
        var i = firstSpan(endingAtOrAfter: range.lowerBound)
        var candidates: [Span] = []
        while i < spans.count && spans[i].range.lowerBound <= range.upperBound {
            candidates.append(spans[i]); i += 1
        }
        if range.isEmpty {
            let o = range.lowerBound
            // Nothing that is not a run's text may touch the point (a tab, a break).
            if candidates.contains(where: { $0.node < 0 && $0.range.lowerBound <= o && o <= $0.range.upperBound }) { return nil }
            let inside = candidates.first { $0.node >= 0 && $0.range.lowerBound < o && o <= $0.range.upperBound }
                ?? candidates.first { $0.node >= 0 && $0.range.lowerBound == o }
            guard let s = inside, editable(s.part, s.node) else { return nil }
            return (s.part, s.node, (o - s.range.lowerBound)..<(o - s.range.lowerBound))
        }
        guard let s = candidates.first(where: { $0.node >= 0 && $0.range.lowerBound <= range.lowerBound && range.upperBound <= $0.range.upperBound }),
              editable(s.part, s.node) else { return nil }
        return (s.part, s.node, (range.lowerBound - s.range.lowerBound)..<(range.upperBound - s.range.lowerBound))
    }

    /// The removable element (a soft hyphen) whose text is exactly `range`: a deletion of it removes the element.
    func removable(exactly range: Range<Int>) -> (part: Int, index: Int)? {
        var k = firstSpan(endingAtOrAfter: range.lowerBound)
        while k < spans.count && spans[k].range.lowerBound <= range.lowerBound {
            if spans[k].removable >= 0 && spans[k].range == range { return (spans[k].part, spans[k].removable) }
            k += 1
        }
        return nil
    }

    /// Where an offset of the text is in the package, for JSON: part, paragraph within it (1-based), run (1-based
    /// `w:r` of the paragraph; null outside a run's text) and the character offset in that run's `w:t`.
    public func json(line: Int, offset: Int) -> String {
        guard line >= 0 && line < lines.count else { return "null" }
        let (part, paragraph) = lines[line]
        var run = "null", inRun = "null"
        // The span holding the offset; else (an insertion point, the end of a paragraph) a run's text ending there.
        var k = firstSpan(endingAtOrAfter: offset)
        var holder: Span? = nil
        while k < spans.count && spans[k].range.lowerBound <= offset {
            let s = spans[k]
            if s.range.contains(offset) { holder = s; break }
            if s.node >= 0 && s.range.upperBound == offset && holder == nil { holder = s }
            k += 1
        }
        if let s = holder {
            if s.node >= 0 {
                run = "\(runs[s.part][s.node])"
                inRun = "\(String(decoding: text[s.range.lowerBound..<offset], as: UTF8.self).unicodeScalars.count)"
            } else if s.run > 0 {
                run = "\(s.run)"
            }
        }
        return JSON.object([("part", JSON.string(partNames[part])), ("paragraph", "\(paragraph)"), ("run", run), ("offsetInRun", inRun)])
    }
}
