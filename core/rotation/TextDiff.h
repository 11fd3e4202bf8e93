// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QByteArray>
#include <QString>

namespace certrotor::rotation {

struct TextDiff {
    QString unified; // "--- a\n+++ b\n@@ -1,3 +1,5 @@\n ..." ("" when equal)
    int added = 0; // lines
    int removed = 0;
    bool isEmpty() const { return added == 0 && removed == 0; }
};

/// A unified diff (3 lines of context) of two texts by lines, Myers' O(ND) algorithm: what a dry run
/// shows as "exactly the bytes that would change". A missing final newline is marked as diff(1) does.
TextDiff unifiedDiff(const QByteArray& before, const QByteArray& after, const QString& beforeName,
                     const QString& afterName, int context = 3);

} // namespace certrotor::rotation
