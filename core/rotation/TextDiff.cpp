// SPDX-License-Identifier: GPL-3.0-or-later
#include "rotation/TextDiff.h"

#include <QList>
#include <QStringList>

#include <algorithm>
#include <vector>

using namespace Qt::StringLiterals;

namespace certrotor::rotation {

namespace {

QList<QByteArray> splitLines(const QByteArray& text)
{
    QList<QByteArray> lines;
    qsizetype start = 0;
    while (start < text.size()) {
        qsizetype nl = text.indexOf('\n', start);
        if (nl < 0) {
            lines << text.mid(start); // no final newline: kept without one
            break;
        }
        lines << text.mid(start, nl - start + 1);
        start = nl + 1;
    }
    return lines;
}

enum class Op { Keep, Del, Add };
struct Edit {
    Op op;
    int a; // index in before (Keep/Del)
    int b; // index in after (Keep/Add)
};

/// Myers' greedy diff with one V array per D kept (O(D^2) memory), backtracked into an edit script.
std::vector<Edit> myers(const QList<QByteArray>& a, const QList<QByteArray>& b)
{
    const int n = int(a.size()), m = int(b.size());
    const int max = n + m;
    std::vector<std::vector<int>> trace;
    std::vector<int> v(size_t(2 * max + 2), 0);
    const int off = max + 1;
    int dEnd = 0;
    // Memory grows with D^2: past this many differing lines the diff is "all old lines out, all new in".
    constexpr int kMaxD = 2000; // the trace is O(D²) ints: 2,000 keeps it near 16 MB
    for (int d = 0; d <= max; ++d) {
        if (d > kMaxD) {
            std::vector<Edit> all;
            for (int i = 0; i < n; ++i)
                all.push_back({ Op::Del, i, 0 });
            for (int j = 0; j < m; ++j)
                all.push_back({ Op::Add, n, j });
            return all;
        }
        for (int k = -d; k <= d; k += 2) {
            int x;
            if (k == -d || (k != d && v[size_t(off + k - 1)] < v[size_t(off + k + 1)]))
                x = v[size_t(off + k + 1)];
            else
                x = v[size_t(off + k - 1)] + 1;
            int y = x - k;
            while (x < n && y < m && a[x] == b[y]) {
                ++x;
                ++y;
            }
            v[size_t(off + k)] = x;
            if (x >= n && y >= m) {
                trace.emplace_back(v.begin() + (off - d), v.begin() + (off + d + 1));
                dEnd = d;
                goto done;
            }
        }
        trace.emplace_back(v.begin() + (off - d), v.begin() + (off + d + 1));
    }
done:
    std::vector<Edit> edits;
    int x = n, y = m;
    for (int d = dEnd; d > 0; --d) {
        const std::vector<int>& prev = trace[size_t(d - 1)]; // indices k + (d - 1)
        const int k = x - y;
        auto at = [&](int kk) { return prev[size_t(kk + d - 1)]; };
        int prevK;
        if (k == -d || (k != d && at(k - 1) < at(k + 1)))
            prevK = k + 1;
        else
            prevK = k - 1;
        const int prevX = at(prevK);
        const int prevY = prevX - prevK;
        while (x > prevX && y > prevY) {
            edits.push_back({ Op::Keep, x - 1, y - 1 });
            --x;
            --y;
        }
        if (x == prevX)
            edits.push_back({ Op::Add, x, y - 1 });
        else
            edits.push_back({ Op::Del, x - 1, y });
        x = prevX;
        y = prevY;
    }
    while (x > 0 && y > 0) {
        edits.push_back({ Op::Keep, x - 1, y - 1 });
        --x;
        --y;
    }
    std::reverse(edits.begin(), edits.end());
    return edits;
}

QString lineText(const QByteArray& line)
{
    if (line.endsWith('\n'))
        return QString::fromUtf8(line.chopped(1));
    return QString::fromUtf8(line) + u"\n\\ No newline at end of file"_s;
}

} // namespace

TextDiff unifiedDiff(const QByteArray& before, const QByteArray& after, const QString& beforeName,
                     const QString& afterName, int context)
{
    TextDiff out;
    if (before == after)
        return out;
    const QList<QByteArray> a = splitLines(before), b = splitLines(after);
    const std::vector<Edit> edits = myers(a, b);
    for (const Edit& e : edits) {
        out.added += e.op == Op::Add;
        out.removed += e.op == Op::Del;
    }
    QStringList lines { u"--- "_s + beforeName, u"+++ "_s + afterName };
    const int count = int(edits.size());
    int i = 0;
    while (i < count) {
        while (i < count && edits[size_t(i)].op == Op::Keep)
            ++i;
        if (i >= count)
            break;
        // A hunk: from `context` lines before this change to `context` lines after the last change
        // that is closer than 2 * context lines to the next.
        int start = std::max(0, i - context);
        int end = i;
        for (;;) {
            while (end < count && edits[size_t(end)].op != Op::Keep)
                ++end;
            int keep = end;
            while (keep < count && edits[size_t(keep)].op == Op::Keep)
                ++keep;
            if (keep < count && keep - end <= 2 * context) {
                end = keep;
                continue;
            }
            end = std::min(count, end + context);
            break;
        }
        int aStart = -1, bStart = -1, aLen = 0, bLen = 0;
        QStringList body;
        for (int j = start; j < end; ++j) {
            const Edit& e = edits[size_t(j)];
            if (e.op != Op::Add) {
                if (aStart < 0)
                    aStart = e.a;
                ++aLen;
            }
            if (e.op != Op::Del) {
                if (bStart < 0)
                    bStart = e.b;
                ++bLen;
            }
            const QChar mark = e.op == Op::Keep ? u' ' : e.op == Op::Del ? u'-' : u'+';
            body << mark + lineText(e.op == Op::Add ? b[e.b] : a[e.a]);
        }
        if (aStart < 0)
            aStart = start < count ? edits[size_t(start)].a : int(a.size());
        if (bStart < 0)
            bStart = start < count ? edits[size_t(start)].b : int(b.size());
        lines << u"@@ -%1,%2 +%3,%4 @@"_s.arg(aLen ? aStart + 1 : aStart)
                     .arg(aLen)
                     .arg(bLen ? bStart + 1 : bStart)
                     .arg(bLen);
        lines << body;
        i = end;
    }
    out.unified = lines.join(u'\n') + u'\n';
    return out;
}

} // namespace certrotor::rotation
