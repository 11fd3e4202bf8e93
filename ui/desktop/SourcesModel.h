// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "sources/Source.h"

#include <QAbstractTableModel>
#include <QList>

namespace certrotor::gui {

/// The watched sources: name with a status light, status, certificates in the last delivery and the
/// last error. Owns the Source objects (they are children of the model) and follows their signals.
class SourcesModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column { NameColumn, StatusColumn, CertificatesColumn, ErrorColumn, ColumnCount };
    enum Role { IdRole = Qt::UserRole + 1, StatusRole };

    explicit SourcesModel(QObject* parent = nullptr);

    /// Takes ownership. Returns false (and deletes it) when a source with the same id is present.
    bool addSource(Source* source);
    void removeSource(int row);
    Source* sourceAt(int row) const;
    int rowOf(const QString& id) const;
    QList<Source*> sources() const { return m_sources; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    static QColor statusColor(Source::Status status);

private:
    void sourceChanged(Source* source);

    QList<Source*> m_sources;
};

} // namespace certrotor::gui
