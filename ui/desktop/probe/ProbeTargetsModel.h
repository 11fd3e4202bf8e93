// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "probe/ProbeResult.h"
#include "util/Result.h"

#include <QAbstractTableModel>
#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

namespace certrotor::gui {

/// One row of the Probe panel's target list, as the operator typed it.
struct ProbeTargetRow {
    QString address; // HOST:PORT, [v6]:PORT
    QString serverName; // SNI / :authority override; "" = the host
    QString service; // health service asked about; "" = the whole server

    bool operator==(const ProbeTargetRow&) const = default;
};

/// The editable list of probe targets. Every row is checked as it is edited: a bad row keeps its text
/// (the operator fixes it in place) and carries a located error that the view shows inline; targets()
/// refuses to hand out a list with any bad row. Persisted as JSON (addresses and names only: a target
/// list holds no secret).
class ProbeTargetsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { AddressColumn, ServerNameColumn, ServiceColumn, ColumnCount };

    /// What is wrong with a row: the column at fault and plain words.
    struct RowError {
        int column = -1; // -1: the row is fine
        QString message;
        bool isError() const { return column >= 0; }
    };

    explicit ProbeTargetsModel(QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    bool removeRows(int row, int count, const QModelIndex& parent = {}) override;

    const QList<ProbeTargetRow>& rows() const { return m_rows; }
    void setRows(const QList<ProbeTargetRow>& rows);
    /// Appends a row and returns its index.
    int addRow(const ProbeTargetRow& row = {});

    RowError rowError(int row) const;
    /// Every bad row, located: "Row 2, target: '70000' is not a port (1-65535)". Empty when all are fine.
    QStringList errors() const;
    /// The targets, when there is at least one and every row is fine; otherwise the first error.
    Result<QList<ProbeTarget>> targets() const;

    /// [{"target": ..., "serverName": ..., "service": ...}] and back (bad JSON gives no rows).
    QByteArray toJson() const;
    static QList<ProbeTargetRow> rowsFromJson(const QByteArray& json);

private:
    QList<ProbeTargetRow> m_rows;
};

} // namespace certrotor::gui
