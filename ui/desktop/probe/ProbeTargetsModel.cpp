// SPDX-License-Identifier: GPL-3.0-or-later
#include "ProbeTargetsModel.h"

#include "UiStyle.h"

#include <QColor>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUrl>

namespace certrotor::gui {

namespace {

QString columnName(int column)
{
    switch (column) {
    case ProbeTargetsModel::AddressColumn:
        return QObject::tr("target");
    case ProbeTargetsModel::ServerNameColumn:
        return QObject::tr("server name");
    case ProbeTargetsModel::ServiceColumn:
        return QObject::tr("health service");
    }
    return {};
}

} // namespace

ProbeTargetsModel::ProbeTargetsModel(QObject* parent) : QAbstractTableModel(parent) { }

int ProbeTargetsModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int ProbeTargetsModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant ProbeTargetsModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const ProbeTargetRow& r = m_rows.at(index.row());
    const RowError error = rowError(index.row());
    const bool bad = error.column == index.column();
    switch (role) {
    case Qt::DisplayRole:
    case Qt::EditRole:
        switch (index.column()) {
        case AddressColumn:
            return r.address;
        case ServerNameColumn:
            return r.serverName;
        case ServiceColumn:
            return r.service;
        }
        return {};
    case Qt::ToolTipRole:
        if (bad)
            return error.message;
        switch (index.column()) {
        case AddressColumn:
            return tr("HOST:PORT, 1.2.3.4:PORT or [IPv6]:PORT");
        case ServerNameColumn:
            return tr("Optional: the name sent as SNI and :authority and checked against the server certificate "
                      "(for servers reached by address or through a tunnel). Empty: the host.");
        case ServiceColumn:
            return tr("Optional: the service asked about in grpc.health.v1.Health/Check. Empty: the whole server.");
        }
        return {};
    case Qt::DecorationRole:
        if (index.column() == AddressColumn)
            return statusLight(toneBackground(error.isError() ? Tone::Error : Tone::Success));
        return {};
    case Qt::BackgroundRole:
        return bad ? QVariant(toneBackground(Tone::Error)) : QVariant();
    case Qt::ForegroundRole:
        return bad ? QVariant(toneForeground(Tone::Error)) : QVariant();
    case Qt::AccessibleDescriptionRole:
        return bad ? QVariant(error.message) : QVariant();
    }
    return {};
}

bool ProbeTargetsModel::setData(const QModelIndex& index, const QVariant& value, int role)
{
    if (!index.isValid() || role != Qt::EditRole || index.row() >= m_rows.size())
        return false;
    ProbeTargetRow& r = m_rows[index.row()];
    const QString text = value.toString().trimmed();
    QString* field = index.column() == AddressColumn ? &r.address
        : index.column() == ServerNameColumn         ? &r.serverName
                                                     : &r.service;
    if (*field == text)
        return true;
    *field = text;
    // A change in one row can make another one a duplicate (or no longer one): every row may change looks.
    Q_EMIT dataChanged(this->index(0, 0), this->index(int(m_rows.size()) - 1, ColumnCount - 1));
    return true;
}

Qt::ItemFlags ProbeTargetsModel::flags(const QModelIndex& index) const
{
    if (!index.isValid())
        return Qt::NoItemFlags;
    return Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsEditable;
}

QVariant ProbeTargetsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case AddressColumn:
        return tr("Target (HOST:PORT)");
    case ServerNameColumn:
        return tr("Server name");
    case ServiceColumn:
        return tr("Health service");
    }
    return {};
}

bool ProbeTargetsModel::removeRows(int row, int count, const QModelIndex& parent)
{
    if (parent.isValid() || row < 0 || count <= 0 || row + count > m_rows.size())
        return false;
    beginRemoveRows(parent, row, row + count - 1);
    m_rows.remove(row, count);
    endRemoveRows();
    if (!m_rows.isEmpty()) // duplicates may be gone
        Q_EMIT dataChanged(index(0, 0), index(int(m_rows.size()) - 1, ColumnCount - 1));
    return true;
}

void ProbeTargetsModel::setRows(const QList<ProbeTargetRow>& rows)
{
    beginResetModel();
    m_rows = rows;
    endResetModel();
}

int ProbeTargetsModel::addRow(const ProbeTargetRow& row)
{
    const int at = int(m_rows.size());
    beginInsertRows({}, at, at);
    m_rows << row;
    endInsertRows();
    return at;
}

ProbeTargetsModel::RowError ProbeTargetsModel::rowError(int row) const
{
    if (row < 0 || row >= m_rows.size())
        return {};
    const ProbeTargetRow& r = m_rows.at(row);
    if (r.address.isEmpty())
        return { AddressColumn, tr("enter the target as HOST:PORT") };
    const Result<ProbeTarget> parsed = ProbeTarget::parse(r.address);
    if (!parsed.ok())
        return { AddressColumn, parsed.error().message };
    if (!r.serverName.isEmpty()) {
        // The same check as the CLI's --servername: what QUrl would mangle is refused here.
        QUrl check;
        check.setHost(r.serverName, QUrl::StrictMode);
        if (!check.isValid() || check.host().isEmpty())
            return { ServerNameColumn, tr("'%1' is not a valid host name").arg(r.serverName) };
    }
    for (const QChar c : r.service) {
        if (c.isSpace() || !c.isPrint())
            return { ServiceColumn, tr("'%1': a service name has no spaces or control characters").arg(r.service) };
    }
    for (int other = 0; other < row; ++other) {
        const ProbeTargetRow& o = m_rows.at(other);
        const Result<ProbeTarget> p = ProbeTarget::parse(o.address);
        // Host and server names are case-insensitive; service names are not.
        if (p.ok() && p.value().address().compare(parsed.value().address(), Qt::CaseInsensitive) == 0
            && o.serverName.compare(r.serverName, Qt::CaseInsensitive) == 0 && o.service == r.service)
            return { AddressColumn, tr("the same target as row %1").arg(other + 1) };
    }
    return {};
}

QStringList ProbeTargetsModel::errors() const
{
    QStringList out;
    for (int row = 0; row < m_rows.size(); ++row) {
        const RowError e = rowError(row);
        if (e.isError())
            out << tr("Row %1, %2: %3").arg(row + 1).arg(columnName(e.column), e.message);
    }
    return out;
}

Result<QList<ProbeTarget>> ProbeTargetsModel::targets() const
{
    if (m_rows.isEmpty())
        return Error { tr("add at least one target (HOST:PORT)"), tr("Targets") };
    const QStringList bad = errors();
    if (!bad.isEmpty())
        return Error { bad.first(), tr("Targets") };
    QList<ProbeTarget> out;
    for (const ProbeTargetRow& r : m_rows) {
        ProbeTarget t = ProbeTarget::parse(r.address).value();
        t.serverName = r.serverName;
        t.service = r.service;
        out << t;
    }
    return out;
}

QByteArray ProbeTargetsModel::toJson() const
{
    QJsonArray array;
    for (const ProbeTargetRow& r : m_rows)
        array.append(QJsonObject { { QStringLiteral("target"), r.address },
                                   { QStringLiteral("serverName"), r.serverName },
                                   { QStringLiteral("service"), r.service } });
    return QJsonDocument(array).toJson(QJsonDocument::Compact);
}

QList<ProbeTargetRow> ProbeTargetsModel::rowsFromJson(const QByteArray& json)
{
    QList<ProbeTargetRow> rows;
    const QJsonArray array = QJsonDocument::fromJson(json).array();
    for (const QJsonValue& v : array) {
        const QJsonObject o = v.toObject();
        rows << ProbeTargetRow { o.value(QLatin1String("target")).toString(),
                                 o.value(QLatin1String("serverName")).toString(),
                                 o.value(QLatin1String("service")).toString() };
    }
    return rows;
}

} // namespace certrotor::gui
