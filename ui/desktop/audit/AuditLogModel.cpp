// SPDX-License-Identifier: GPL-3.0-or-later
#include "AuditLogModel.h"

#include "audit/AuditExport.h"

namespace certrotor::gui {

AuditLogModel::AuditLogModel(QObject* parent) : QAbstractTableModel(parent) { }

int AuditLogModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_entries.size());
}

int AuditLogModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant AuditLogModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const AuditEntry& e = m_entries.at(index.row());
    if (role == EventRole)
        return e.event;
    if (role == Qt::TextAlignmentRole && index.column() == SeqColumn)
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole)
        return {};
    switch (index.column()) {
    case SeqColumn:
        return e.seq;
    case TimeColumn:
        return e.time.toUTC().toString(Qt::ISODateWithMs);
    case EventColumn:
        return e.event;
    case ActorColumn:
        return QString(e.actor.value(QLatin1String("user")).toString() + QLatin1Char('@')
                       + e.actor.value(QLatin1String("host")).toString());
    case SummaryColumn:
        return audit::summary(e);
    default:
        return {};
    }
}

QVariant AuditLogModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case SeqColumn:
        return tr("Seq");
    case TimeColumn:
        return tr("Time (UTC)");
    case EventColumn:
        return tr("Event");
    case ActorColumn:
        return tr("Who");
    case SummaryColumn:
        return tr("Details");
    default:
        return {};
    }
}

void AuditLogModel::setEntries(const QList<AuditEntry>& entries)
{
    // Records that came through addEntry() while the file was being read stay; rows of the previous read
    // do not (the file may have been truncated or rotated since).
    const qint64 lastRead = entries.isEmpty() ? 0 : entries.last().seq;
    QList<AuditEntry> merged = entries;
    for (qsizetype i = m_fromFile; i < m_entries.size(); ++i) {
        if (m_entries.at(i).seq > lastRead)
            merged << m_entries.at(i);
    }
    beginResetModel();
    m_entries = std::move(merged);
    m_fromFile = entries.size();
    endResetModel();
}

void AuditLogModel::clear()
{
    beginResetModel();
    m_entries.clear();
    m_fromFile = 0;
    endResetModel();
}

void AuditLogModel::addEntry(const AuditEntry& entry)
{
    for (qsizetype i = m_entries.size() - 1; i >= 0 && m_entries.at(i).seq >= entry.seq; --i) {
        if (m_entries.at(i).seq == entry.seq && m_entries.at(i).mac == entry.mac)
            return; // already read from the file
    }
    const int row = int(m_entries.size());
    beginInsertRows({}, row, row);
    m_entries << entry;
    endInsertRows();
}

} // namespace certrotor::gui
