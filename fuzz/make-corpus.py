#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (fuzz/corpus/<target>/). Hand-written drafts, not copies of real
articles: each seed exercises one corner of the parser, the loaders or the fixer. Run again after editing; the
files are committed, so fuzz/run.sh needs no Python."""
import os, shutil

HERE = os.path.dirname(os.path.abspath(__file__))

DRAFTS = {
    "dateline-byline": "本报讯（记者 张三 通讯员 李四）12 月 3 日上午，青山镇召开冬季供暖保障工作会议。\n\n□融媒首席记者 陈晓苏\n\n会议要求，各村要全 力 以 赴做好保障。\n",
    "headline-list": "青山镇部署冬季供暖\n\n本报记者 王五\n\n一、加强巡查\n（一）每日巡查两次。\n1. 重点管网\n(2) 老旧小区\n① 独居老人\n",
    "letterspaced": "全 力 以 赴  确 保 群 众 温 暖 过 冬\n市委 书记 强调，要把工作做实做细。\n",
    "halfwidth-punct": "他说:\"今年的任务很重,大家要努力.\"会议(扩大)在3号楼召开...随后--散会。\n",
    "fullwidth-digits": "全年完成投资１２３．５亿元，增长１５％，时间为１０：３０。ＧＤＰ增长。\n",
    "broken-lines": "据了解，今年以来全市共新建改造供热管网一百二十\n公里，惠及居民三万余户，供暖季期间将实行二十\n四小时值班制度，确保群众温暖过冬。\n\n记者 赵六\n",
    "pangu": "使用Rust构建的工具，在2024年12月14日发布了v1.0版本，下载量超过5000次。\n",
    "invisible": "这是\u200b一段\ufeff带有\u00a0不可见字符\u3000的文字，\u3000\u3000还有全角空格。\n",
    "directives": "# copydesk-disable spacing.han-digit -- 引文原样\n12 月 14 日\n# copydesk-enable\n// copydesk-disable-next-line\n全 力 以 赴\n# copydesk-disable nonexistent.rule\n正文。\n",
    "signs-units": "气温 -5 ℃，增长 15 %，角度 30 °，湿度 +3 个百分点，温度为零下 ５ 度。\n",
    "doubled": "真的吗？？太好了！！一一这是破折号，。结束。。\n",
    "mixed-scripts": "日本語のテキストと한국어 텍스트，还有𠮷野家和emoji 🎉，以及 Ω 和 ß。\n",
    "trailing-spaces": "第一行有尾随空格   \n第二行有制表符\t\t\n   缩进的行\n\n\n\n多个空行之后。",
}

MARKDOWN = {
    "front-matter": "---\ntitle: 青山镇 冬季供暖\ndate: 2024-12-14\n---\n\n# 青山镇部署冬季供暖\n\n本报讯 12 月 3 日上午，会议召开。\n",
    "code-and-links": "正文见 [链接](https://example.com/a b \"标题\")，代码 `let x = 1 ,2` 不检查。\n\n```swift\nlet 全 力 = 12 月\n```\n\n    缩进代码 12 月\n\n网址:https://example.com/path?q=1，邮件 a.b@example.com。\n",
    "lists-quotes": "- 第一项 12 月\n- 第二项\n  - 嵌套 全 力\n1. 有序\n2) 另一种\n\n> 引用 市委 书记\n> > 嵌套引用\n\n* * *\n\n---\n",
    "table-html": "| 项目 | 数量 |\n|---|---:|\n| 管网 | 120 公里 |\n\n<div>HTML 块 12 月</div>\n\n<!-- copydesk-disable-line spacing -->\n行内 <span>标签</span> 和 <!-- 注释 --> 文字。\n",
    "headings": "# 标题 一\n\n## 标题 12 月\n\n标题三\n===\n\n标题四\n---\n\n###### 六级\n\n####### 不是标题\n",
    "directives-md": "<!-- copydesk-disable spacing.han-digit, punctuation -- 原文 -->\n12 月 14 日,好\n<!-- copydesk-enable spacing.han-digit -->\n12 月\n<!-- copydesk-disable-next-line -->\n\n全 力\n",
    "unclosed": "```\n没有结束的代码块\n\n<!-- 没有结束的注释\n\n`没有结束的行内代码\n\n[没有结束的链接](https://x\n",
}

CONFIGS = {
    "minimal": "style: print\n",
    "full": "extends:\n  - copydesk:recommended\n  - base.yml\nstyle: pangu\nrules:\n  spacing.trailing-whitespace: warning\n  punctuation: off\n  spacing.han-digit-space: {except-left: 年月日, except-right: 年月日}\n  copydesk.unused-disable: error\nrule-paths: [house]\ninclude: [\"**/*.md\", \"web/**\"]\nexclude: [\"a/**/k.txt\", \"[!x]?.md\"]\noverrides:\n  - files: [\"web/**\"]\n    style: print\n    rules:\n      spacing: error\nfail-level: warning\n",
    "errors": "extends: copydesk:\nstyle: newspaper\nrules:\n  spacing.han-digt: on\n  width: {severity: error}\nunknown-key: 1\n",
    "loop": "extends: [loop.yml, bad.yml, missing.yml]\n",
    "anchors": "a: &a [x, x, x, x]\nb: &b [*a, *a, *a, *a]\nc: &c [*b, *b, *b, *b]\nrules: *c\n",
    "flow-broken": "rules: {spacing.han-digit: [\n  - off\n\tstyle: 'print\n",
    "globs": "include: [\"**/**/**/*.md\", \"a/*/c/**/[a-z]/k.txt\", \"[]\", \"[!]]\", \"\\\\\", \"web/\"]\noverrides:\n  - files: [\"*\"]\n  - files: []\n",
    "all-pack": "extends: [copydesk:all, copydesk:ocr, copydesk:nope]\nfail-level: info\n",
}

RULES = {
    "phrases": "kind: phrases\nseverity: warning\nmessage: 应使用“{replacement}”，而不是“{match}”\ndescription: 称谓。\nscope: [body, headline]\nfix: safe\nphrases:\n  - 北朝鲜: 朝鲜\n  - 南朝鲜: 韩国\n  - flagged\nignore-case: true\nexamples:\n  valid: [朝鲜半岛局势]\n  invalid: [\"[[北朝鲜]]半岛\"]\n  fixes:\n    - {before: 北朝鲜半岛, after: 朝鲜半岛}\n",
    "pattern": "kind: pattern\nseverity: error\nmessage: 日期写法 {1}\nscope: [body]\nfix: unsafe\npattern: '(\\d+)\\s+年'\nreplace: '$1年'\nexamples:\n  valid: [2024年]\n  invalid: [\"[[2024 年]]\"]\n  fixes:\n    - {before: 2024 年, after: 2024年}\n",
    "boundary": "kind: boundary\nseverity: info\nmessage: 空格\nscope: [all]\nfix: safe\nleft: han\nright: latin\nsymmetric: true\nspace: forbid\nspaces: [space, nbsp]\nexcept-left: 的\nsafe-when: letterspaced\nexamples:\n  valid: [用Rust]\n  invalid: [\"用[[ ]]Rust\"]\n  fixes:\n    - {before: 用 Rust, after: 用Rust}\n",
    "brackets": "kind: brackets\nseverity: warning\nmessage: 括号\nscope: [body]\nfix: safe\nopen: (\nclose: )\nreplace-open: （\nreplace-close: ）\ncontent: cjk\nexamples:\n  invalid: [\"会议[[(]]扩大[[)]]\"]\n  fixes:\n    - {before: 会议(扩大), after: 会议（扩大）}\n",
    "broken-line": "kind: broken-line\nseverity: warning\nmessage: 断行\nscope: [body]\nfix: unsafe\nmin-wrapped-ratio: 0.5\nexamples:\n  invalid: [\"一二三四五六七八九十[[\\n]]一二三\"]\n",
    "dead": "kind: phrases\nseverity: warning\nmessage: x\nscope: [code]\nphrases: []\n",
    "bad-kind": "kind: regex\nseverity: fatal\nmessage: [1, 2]\nscope: [nowhere]\n",
    "empty-regex": "kind: pattern\nseverity: error\nmessage: m\npattern: 'a*'\nexamples:\n  invalid: [\"[[\"]\n",
    "characters": "kind: boundary\nseverity: warning\nmessage: 标点\nscope: [body]\nfix: safe\nleft: han\nright: any\ncharacters: {\",\": \"，\", \"'\\u{FEFF}'\": \"\"}\nexamples:\n  invalid: [\"好[[,]]的\"]\n",
}

TEXT_TOKENS = ["，", "。", "：", "；", "！", "？", "、", "“", "”", "‘", "’", "（", "）", "《", "》", "【", "】", "……", "——",
               "一一", "…", "-", "--", "...", ",", ".", ":", ";", "!", "?", "(", ")", "\"", "'", "年", "月", "日", "号", "时",
               "本报讯", "本报记者", "记者", "通讯员", "新华社北京12月14日电", "电", "□", "\u3000", "\u200b", "\ufeff", "\u00a0",
               "０", "９", "．", "％", "‰", "℃", "°", "Ａ", "ｚ", "12", " ", "  ", "\t", "\r\n", "\n\n", "一、", "（一）", "1.",
               "(1)", "①", "https://example.com/", "a@b.cn", "𠮷", "한", "カ", "全 力", "# copydesk-disable ",
               "// copydesk-enable ", "copydesk-disable-next-line", "copydesk-disable-line", " -- ", "spacing", "punctuation",
               "spacing.han-digit", "ocr.broken-line"]
MD_TOKENS = ["```", "~~~", "`", "<!-- ", " -->", "<div>", "</div>", "<br/>", "# ", "## ", "> ", "- ", "* ", "1. ", "2) ",
             "| ", " |", "|---|", "---\n", "===\n", "    ", "[", "](", ")", "![", "<https://x.cn>", "\\", "&amp;", "***"]
YAML_TOKENS = ["extends:", "style:", "rules:", "rule-paths:", "include:", "exclude:", "overrides:", "files:",
               "fail-level:", "copydesk:recommended", "copydesk:all", "copydesk:ocr", "pangu", "print", "off", "on",
               "error", "warning", "info", "base.yml", "loop.yml", "house", "kind:", "severity:", "message:",
               "description:", "authority:", "scope:", "fix:", "styles:", "recommended:", "phrases:", "pattern:",
               "replace:", "ignore-case:", "either:", "left:", "right:", "symmetric:", "space:", "spaces:", "characters:",
               "except-left:", "except-right:", "only-left:", "only-right:", "right-next:", "safe-when:",
               "safe-max-spaces:", "open:", "close:", "replace-open:", "replace-close:", "content:", "endings:",
               "markdown:", "min-wrapped-ratio:", "boundary", "phrases", "brackets", "broken-line", "han", "cjk",
               "latin", "digit", "alnum", "fullwidth-punct", "halfwidth-punct-open", "line-start", "line-end", "any",
               "forbid", "require", "single", "letterspaced", "safe", "unsafe", "none", "body", "headline", "byline",
               "dateline", "front-matter", "code", "all", "examples:", "valid:", "invalid:", "fixes:", "before:",
               "after:", "skip-variants:", "[[", "]]", "[[]]", "{match}", "{replacement}", "{1}", "$1", "(\\d+)",
               "&a ", "*a", "!!str ", "? ", ": ", "- ", "{", "}", "[", "]", "'", "\"", "|\n", ">-\n", "\n#====\n",
               "\\u{FEFF}", "**", "[!a]", "spacing.han-digit-space", "copydesk.unused-disable"]

def dict_entry(token):
    out = []
    for b in token.encode():
        out.append(chr(b) if 0x20 <= b < 0x7F and chr(b) not in "\\\"" else "\\x%02X" % b)
    return '"' + "".join(out) + '"'

def write_dict(target, tokens):
    d = os.path.join(HERE, "dict")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, target + ".dict"), "w") as f:
        f.write("# libFuzzer dictionary for %s, written by fuzz/make-corpus.py\n" % target)
        for t in dict.fromkeys(tokens):
            f.write(dict_entry(t) + "\n")

def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)

def main():
    shutil.rmtree(os.path.join(HERE, "corpus"), ignore_errors=True)
    write_dict("fuzz-document", TEXT_TOKENS + MD_TOKENS)
    write_dict("fuzz-fix", TEXT_TOKENS + MD_TOKENS)
    write_dict("fuzz-config", YAML_TOKENS + TEXT_TOKENS[:20])
    texts = {k + ".txt": v.encode() for k, v in DRAFTS.items()}
    texts.update({k + ".md": v.encode() for k, v in MARKDOWN.items()})
    # Byte-level variants: CRLF, lone CR, a BOM, invalid UTF-8, a NUL, no final newline, an empty file.
    texts["crlf.txt"] = DRAFTS["broken-lines"].replace("\n", "\r\n").encode()
    texts["crlf.md"] = MARKDOWN["lists-quotes"].replace("\n", "\r\n").encode()
    texts["cr-only.txt"] = DRAFTS["letterspaced"].replace("\n", "\r").encode()
    texts["bom.txt"] = b"\xef\xbb\xbf" + DRAFTS["dateline-byline"].encode()
    texts["invalid-utf8.txt"] = "正文".encode() + b"\xe4\xb8" + "截断".encode() + b"\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80\n"
    texts["gb18030.txt"] = "青山镇召开会议，12 月 3 日。\n".encode("gb18030")
    texts["nul.txt"] = "正文\x00二进制\n".encode()
    texts["empty.txt"] = b""
    texts["one-line-no-newline.txt"] = "全 力 以 赴".encode()
    for name, data in texts.items():
        write("fuzz-document", name, data)
        if b"\x00" in data or name.startswith(("invalid", "gb18030")):
            continue
        # fuzz-fix: option byte (bit 0 Markdown, 1 pangu, 2 all rules, 3 unsafe fixes) + draft.
        md = 1 if name.endswith(".md") else 0
        write("fuzz-fix", "print-" + name, bytes([md]) + data)
        write("fuzz-fix", "pangu-all-unsafe-" + name, bytes([md | 2 | 4 | 8]) + data)
    sep = "\n#====\n"
    for cname, ctext in CONFIGS.items():
        write("fuzz-config", "config-" + cname + ".yml", ctext.encode())
    for rname, rtext in RULES.items():
        draft = DRAFTS["halfwidth-punct"] + DRAFTS["letterspaced"]
        write("fuzz-config", "rule-" + rname + ".yml", ("style: print" + sep + rtext + sep + draft).encode())
    write("fuzz-config", "both-full-phrases.yml", (CONFIGS["full"] + sep + RULES["phrases"] + sep + MARKDOWN["front-matter"]).encode())

main()
