// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QList>
#include <QStringList>

namespace certrotor::cli {

/// A plain-text table with columns sized to their content (capped, with an ellipsis).
class TextTable
{
public:
    explicit TextTable(QStringList headers, int maxColumnWidth = 40);
    void addRow(QStringList cells);
    QString render() const;

private:
    QStringList m_headers;
    QList<QStringList> m_rows;
    int m_maxWidth;
};

} // namespace certrotor::cli
