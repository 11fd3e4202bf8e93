// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "x509/BundleDiff.h"

#include <QAbstractTableModel>
#include <QVector>

namespace certrotor::gui {

/// The diff of store -> incoming as rows: renewed pairs (same subject and key, new validity) first,
/// then added, removed and kept. A renewed certificate is shown once, as the pair, not again as
/// added and removed.
class DiffModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum class Kind { Renewed, Added, Removed, Kept };
    enum Column { ChangeColumn, SubjectColumn, NotAfterColumn, Sha256Column, ColumnCount };
    enum Role { KindRole = Qt::UserRole + 1 };

    explicit DiffModel(QObject* parent = nullptr);

    void setDiff(const BundleDiff& diff);
    int count(Kind kind) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    static QString kindName(Kind kind);
    static QColor kindColor(Kind kind);

private:
    struct Row {
        Kind kind;
        QString subject;
        QString notAfter;
        QString sha256;
        QString tooltip;
    };
    QVector<Row> m_rows;
};

} // namespace certrotor::gui
