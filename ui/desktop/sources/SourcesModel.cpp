// SPDX-License-Identifier: GPL-3.0-or-later
#include "SourcesModel.h"

#include "UiStyle.h"

namespace certrotor::gui {

SourcesModel::SourcesModel(TrustStoreProvider* provider, QObject* parent)
    : QAbstractTableModel(parent), m_provider(provider)
{
    for (const QString& id : provider->sourceIds())
        added(id);
    connect(provider, &TrustStoreProvider::sourceAdded, this, &SourcesModel::added);
    connect(provider, &TrustStoreProvider::sourceRemoved, this, &SourcesModel::removed);
}

void SourcesModel::added(const QString& id)
{
    Source* source = m_provider->source(id);
    if (!source || m_ids.contains(id))
        return;
    beginInsertRows({}, int(m_ids.size()), int(m_ids.size()));
    m_ids << id;
    endInsertRows();
    connect(source, &Source::statusChanged, this, [this, id] { sourceChanged(id); });
    connect(source, &Source::updated, this, [this, id] { sourceChanged(id); });
}

void SourcesModel::removed(const QString& id)
{
    const int row = rowOf(id);
    if (row < 0)
        return;
    if (Source* source = m_provider->source(id))
        source->disconnect(this);
    beginRemoveRows({}, row, row);
    m_ids.removeAt(row);
    endRemoveRows();
}

void SourcesModel::removeSource(int row)
{
    if (row >= 0 && row < m_ids.size())
        m_provider->removeSource(m_ids.at(row)); // removed() drops the row
}

Source* SourcesModel::sourceAt(int row) const
{
    return row >= 0 && row < m_ids.size() ? m_provider->source(m_ids.at(row)) : nullptr;
}

QList<Source*> SourcesModel::sources() const
{
    QList<Source*> out;
    for (const QString& id : m_ids) {
        if (Source* s = m_provider->source(id))
            out << s;
    }
    return out;
}

void SourcesModel::sourceChanged(const QString& id)
{
    const int row = rowOf(id);
    if (row >= 0)
        Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

int SourcesModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_ids.size());
}

int SourcesModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QColor SourcesModel::statusColor(Source::Status status)
{
    switch (status) {
    case Source::Status::Watching:
        return toneBackground(Tone::Success);
    case Source::Status::Reconnecting:
        return toneBackground(Tone::Warning);
    case Source::Status::Error:
        return toneBackground(Tone::Error);
    case Source::Status::Idle:
        return accentColor(Accent::Muted);
    }
    return {};
}

QVariant SourcesModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Source* s = sourceAt(index.row());
    if (!s)
        return {};
    const SourceUpdate current = s->current();
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case NameColumn:
            return s->displayName();
        case StatusColumn:
            return Source::statusName(s->status());
        case CertificatesColumn:
            return current.bundle ? QVariant(int(current.bundle->entries.size())) : QVariant();
        case ErrorColumn:
            return s->lastError();
        }
        break;
    case Qt::DecorationRole:
        if (index.column() == NameColumn)
            return statusLight(statusColor(s->status()));
        break;
    case Qt::ToolTipRole: {
        QString tip = s->id() + QStringLiteral("\n") + tr("Status: %1").arg(Source::statusName(s->status()));
        if (current.bundle)
            tip += QStringLiteral("\n")
                + tr("Revision %1, seen %2").arg(current.revision.left(16), current.seenAt.toString(Qt::ISODate));
        if (!s->lastError().isEmpty())
            tip += QStringLiteral("\n") + s->lastError();
        return tip;
    }
    case IdRole:
        return s->id();
    case StatusRole:
        return int(s->status());
    default:
        break;
    }
    return {};
}

QVariant SourcesModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case NameColumn:
        return tr("Source");
    case StatusColumn:
        return tr("Status");
    case CertificatesColumn:
        return tr("Certs");
    case ErrorColumn:
        return tr("Last error");
    }
    return {};
}

} // namespace certrotor::gui
