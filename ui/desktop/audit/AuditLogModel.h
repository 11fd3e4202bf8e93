// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "audit/AuditFormat.h"

#include <QAbstractTableModel>
#include <QList>

namespace certrotor::gui {

/// The audit log's records as a table (the Audit tab), in seq order: loaded from the file with
/// setEntries(), then kept up to date from AuditLog::entryAdded through addEntry().
class AuditLogModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { SeqColumn, TimeColumn, EventColumn, ActorColumn, SummaryColumn, ColumnCount };
    /// The record's event name, for filtering by event.
    static constexpr int EventRole = Qt::UserRole + 1;

    explicit AuditLogModel(QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    /// Replaces the rows with the file's records, plus those that came through addEntry() since the last
    /// setEntries() or clear() and are newer than the file's last one (written while the file was read).
    /// Rows of an earlier read never stay: a truncated or rotated file shows as it is now.
    void setEntries(const QList<AuditEntry>& entries);
    /// No rows at all (another log, or before reading a new one).
    void clear();
    /// Appends a record written since the last setEntries(); one already shown (same seq and mac) is ignored.
    void addEntry(const AuditEntry& entry);
    const QList<AuditEntry>& entries() const { return m_entries; }
    const AuditEntry& entry(int row) const { return m_entries.at(row); }

private:
    QList<AuditEntry> m_entries;
    qsizetype m_fromFile = 0; // the first m_fromFile rows came from setEntries(), the rest from addEntry()
};

} // namespace certrotor::gui
