// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "sources/Source.h"
#include "sources/TrustStoreProvider.h"

#include <QAbstractTableModel>
#include <QList>

namespace certrotor::gui {

/// The watched sources: name with a status light, status, certificates in the last delivery and the
/// last error. A view over a TrustStoreProvider (the workspace's), which owns the Source objects: rows
/// follow the sources it adds and removes, cells follow each source's signals.
class SourcesModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { NameColumn, StatusColumn, CertificatesColumn, ErrorColumn, ColumnCount };
    enum Role { IdRole = Qt::UserRole + 1, StatusRole };

    explicit SourcesModel(TrustStoreProvider* provider, QObject* parent = nullptr);

    /// Stops the row's source and has the provider delete it.
    void removeSource(int row);
    Source* sourceAt(int row) const;
    int rowOf(const QString& id) const { return int(m_ids.indexOf(id)); }
    QList<Source*> sources() const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    static QColor statusColor(Source::Status status);

private:
    void added(const QString& id);
    void removed(const QString& id);
    void sourceChanged(const QString& id);

    TrustStoreProvider* m_provider;
    QStringList m_ids; // the provider's, in the order they were added
};

} // namespace certrotor::gui
