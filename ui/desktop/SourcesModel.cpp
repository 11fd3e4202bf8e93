// SPDX-License-Identifier: GPL-3.0-or-later
#include "SourcesModel.h"

#include "UiStyle.h"

namespace certrotor::gui {

SourcesModel::SourcesModel(QObject* parent) : QAbstractTableModel(parent) {}

bool SourcesModel::addSource(Source* source)
{
    if (!source)
        return false;
    if (rowOf(source->id()) >= 0) {
        delete source;
        return false;
    }
    source->setParent(this);
    beginInsertRows({}, int(m_sources.size()), int(m_sources.size()));
    m_sources << source;
    endInsertRows();
    connect(source, &Source::statusChanged, this, [this, source] { sourceChanged(source); });
    connect(source, &Source::updated, this, [this, source] { sourceChanged(source); });
    return true;
}

void SourcesModel::removeSource(int row)
{
    if (row < 0 || row >= m_sources.size())
        return;
    beginRemoveRows({}, row, row);
    Source* s = m_sources.takeAt(row);
    endRemoveRows();
    s->disconnect(this);
    s->stop();
    s->deleteLater();
}

Source* SourcesModel::sourceAt(int row) const
{
    return row >= 0 && row < m_sources.size() ? m_sources.at(row) : nullptr;
}

int SourcesModel::rowOf(const QString& id) const
{
    for (int i = 0; i < m_sources.size(); ++i) {
        if (m_sources.at(i)->id() == id)
            return i;
    }
    return -1;
}

void SourcesModel::sourceChanged(Source* source)
{
    const int row = int(m_sources.indexOf(source));
    if (row >= 0)
        Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
}

int SourcesModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_sources.size());
}

int SourcesModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QColor SourcesModel::statusColor(Source::Status status)
{
    switch (status) {
    case Source::Status::Watching:
        return QColor(0x2e, 0xb8, 0x4b);
    case Source::Status::Reconnecting:
        return QColor(0xf5, 0xa6, 0x23);
    case Source::Status::Error:
        return QColor(0xd3, 0x2f, 0x2f);
    case Source::Status::Idle:
        return QColor(0x9e, 0x9e, 0x9e);
    }
    return {};
}

QVariant SourcesModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const Source* s = m_sources.at(index.row());
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
            tip += QStringLiteral("\n") + tr("Revision %1, seen %2").arg(current.revision.left(16), current.seenAt.toString(Qt::ISODate));
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
