// SPDX-License-Identifier: GPL-3.0-or-later
#include "TextTable.h"

namespace certrotor::cli {

TextTable::TextTable(QStringList headers, int maxColumnWidth) : m_headers(std::move(headers)), m_maxWidth(maxColumnWidth) {}

void TextTable::addRow(QStringList cells)
{
    while (cells.size() < m_headers.size())
        cells << QString();
    m_rows << cells;
}

QString TextTable::render() const
{
    QList<int> widths;
    for (const QString& h : m_headers)
        widths << int(h.size());
    for (const QStringList& row : m_rows)
        for (int c = 0; c < widths.size(); ++c)
            widths[c] = std::min(m_maxWidth, std::max(widths[c], int(row[c].size())));
    const auto line = [&](const QStringList& cells) -> QString {
        QString out;
        for (int c = 0; c < widths.size(); ++c) {
            QString cell = cells[c];
            if (cell.size() > widths[c])
                cell = cell.left(widths[c] - 1) + QChar(0x2026);
            out += c + 1 < widths.size() ? cell.leftJustified(widths[c]) + QStringLiteral("  ") : cell;
        }
        out += QLatin1Char('\n');
        return out;
    };
    QString out = line(m_headers);
    for (const QStringList& row : m_rows)
        out += line(row);
    return out;
}

} // namespace certrotor::cli
